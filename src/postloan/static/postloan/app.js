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
