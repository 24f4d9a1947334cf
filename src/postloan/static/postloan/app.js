// postloan shell behaviour (no inline scripts: the Content-Security-Policy forbids them).
document.addEventListener("htmx:responseError", (event) => {
  const target = event.detail.target;
  if (target) {
    const note = document.createElement("span");
    note.className = "text-danger ms-2";
    note.textContent = event.detail.xhr.responseText || String(event.detail.xhr.status);
    target.appendChild(note);
  }
});

// Progress bars get their width from data-width (inline style attributes are avoided).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".progress-bar[data-width]").forEach((bar) => {
    bar.style.width = `${bar.dataset.width}%`;
  });
});

// Charts: <div class="chart" data-chart="buckets" data-labels="a,b" data-values="1,2" data-title="...">
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const dark = document.body.dataset.bsTheme === "dark";
  document.querySelectorAll(".chart[data-chart]").forEach((el) => {
    const labels = (el.dataset.labels || "").split(",");
    const values = (el.dataset.values || "").split(",").map(Number);
    const chart = window.echarts.init(el, dark ? "dark" : null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      backgroundColor: "transparent",
      title: { text: el.dataset.title || "", textStyle: { fontSize: 13, fontWeight: "normal" } },
      grid: { left: 40, right: 10, top: 36, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: values, itemStyle: { color: (p) => (p.dataIndex === 0 ? "#2fb344" : "#d63939") } }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
