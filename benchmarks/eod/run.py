"""End-of-day benchmark: wall time, per-step loans/second and peak RSS of `postloan eod run` over a
generated portfolio, next to the same DPD + bucket computation done bare in Polars on data already
in memory.

    python benchmarks/eod/run.py --loans 100000                  # generate into a scratch SQLite, then run
    python benchmarks/eod/run.py --loans 100000 --db postgres://root@127.0.0.1:5432/postloan_eodbench
    python benchmarks/eod/run.py --data-dir DIR                  # a freshly generated SQLite (consumed)
    python benchmarks/eod/run.py --db URL --reuse                # a freshly generated database (consumed)

The portfolio is generated as of 2026-11-29 (seed 42); the benchmark then closes two business dates,
2026-11-29 (an ordinary day: the first run also records each loan's first batch date) and 2026-11-30
(a month end: loan-level month-end snapshot too), each in a fresh process that reports its own peak
RSS. A database is consumed by the run: regenerate it (or restore a copy) to measure again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-29"

CODE_EOD = """
import resource, sys, time
from postloan.cli import main
t = time.perf_counter()
rc = main(["eod", "run"])
print("SECONDS", time.perf_counter() - t)
print("PEAK_KIB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(rc)
"""

CODE_STEPS = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postloan.settings")
import django; django.setup()
from django.db.models import Sum
from postloan.eod.models import EodRun
out = []
for run in EodRun.objects.filter(status="succeeded").order_by("business_date"):
    steps = {r["step"]: round(r["s"], 3) for r in
             run.checkpoints.values("step").annotate(s=Sum("seconds")).order_by()}
    out.append({"date": str(run.business_date), "partitions": run.partitions, "step_seconds": steps})
print("STEPS" + json.dumps(out))
"""

CODE_BARE = """
import os, time, datetime as dt
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postloan.settings")
import django; django.setup()
import polars as pl
from postloan.eod.batch import _query, _date, _fen, _open, _scope
from postloan.platform.models import Institution
from postloan.servicing.models import Instalment, Loan
inst = Institution.objects.get(code="DEMO")
as_of = inst.business_date  # the date the first run closes
hi = Loan.objects.order_by("-pk").values_list("pk", flat=True).first()
sql = (f"SELECT i.loan_id, i.due_date, {_open()} "
       f"{_scope(Instalment._meta.db_table, Loan._meta.db_table, 0, hi)}")
frame = _query(sql, [inst.pk], ["loan_id", "due_date", "open"]).with_columns(_date("due_date"), *_fen("open"))
t = time.perf_counter()
dpd = (frame.filter((pl.col("due_date") <= as_of) & (pl.col("open") > 0)).group_by("loan_id")
       .agg(pl.col("due_date").min()).with_columns((pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("dpd"))
       .with_columns(pl.col("dpd").cut([0, 30, 60, 90, 120, 150, 180], labels=["M0","M1","M2","M3","M4","M5","M6","M7+"])
                     .alias("bucket")))
print("BARE_SECONDS", time.perf_counter() - t, "ROWS", frame.height)
print("LOANS", Loan.objects.filter(institution=inst).count(), "ACTIVE", Loan.objects.filter(institution=inst, status="active").count())
"""


def _python(code: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def _value(out: str, key: str) -> str:
    parts = out.split()
    return parts[parts.index(key) + 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--data-dir", default="", help="a generated SQLite portfolio (POSTLOAN_DATA_DIR)")
    parser.add_argument("--db", default="", help="DATABASE_URL (default: SQLite in the data dir)")
    parser.add_argument("--reuse", action="store_true", help="the database already holds the portfolio")
    args = parser.parse_args()
    work = Path(args.data_dir or tempfile.mkdtemp(prefix="postloan-eod-bench-"))
    env = {**os.environ, "POSTLOAN_DATA_DIR": str(work)}
    if args.db:
        env["DATABASE_URL"] = args.db
    postloan = str(Path(sys.executable).with_name("postloan"))
    subprocess.run([postloan, "migrate"], env=env, check=True, capture_output=True)
    if not (args.data_dir or args.reuse):
        started = time.perf_counter()
        subprocess.run(
            [postloan, "generate", "--loans", str(args.loans), "--seed", "42", "--as-of", AS_OF],
            env=env,
            check=True,
        )
        print(f"generated {args.loans} loans in {time.perf_counter() - started:.0f} s", flush=True)
    bare = _python(CODE_BARE, env)  # before the runs: the day the first run closes
    days = []
    for _day in range(2):
        out = _python(CODE_EOD, env)
        days.append(
            {
                "seconds": round(float(_value(out, "SECONDS")), 1),
                "peak_rss_mib": round(int(_value(out, "PEAK_KIB")) / 1024),
            }
        )
    steps = json.loads(_python(CODE_STEPS, env).split("STEPS", 1)[1])
    active = int(_value(bare, "ACTIVE"))
    for day, record in zip(days, steps[-2:], strict=True):
        day["date"] = record["date"]
        day["partitions"] = record["partitions"]
        day["step_seconds"] = record["step_seconds"]
        day["step_loans_per_second"] = {
            step: round(active / seconds) if seconds >= 0.01 else None  # too quick to time
            for step, seconds in record["step_seconds"].items()
        }
    bare_seconds = float(_value(bare, "BARE_SECONDS"))
    delinquency = days[0]["step_seconds"].get("delinquency", 0.0)
    result = {
        "database": "postgresql" if args.db.startswith("postgres") else "sqlite",
        "loans": int(_value(bare, "LOANS")),
        "active_loans": active,
        "instalment_rows": int(_value(bare, "ROWS")),
        "days": days,
        "bare_polars_dpd_bucket_seconds": round(bare_seconds, 3),
        "ratio_delinquency_step_to_bare": round(delinquency / max(bare_seconds, 1e-6)),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
