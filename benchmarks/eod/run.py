"""End-of-day benchmark: wall time and peak RSS of `postloan eod run` over a generated portfolio,
and the same DPD + bucket computation done bare in Polars on data already in memory.

    python benchmarks/eod/run.py --loans 100000                     # generate into a scratch SQLite
    python benchmarks/eod/run.py --data-dir /path/with/portfolio    # reuse a generated database
    python benchmarks/eod/run.py --loans 100000 --db postgres://root@127.0.0.1:5432/postloan_bench

The run is timed in a fresh process that reports its own peak RSS.
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

CODE_EOD = (
    "import resource, sys, time; from postloan.cli import main; t = time.perf_counter();"
    "rc = main(['eod', 'run', '--rerun']);"
    "print('SECONDS', time.perf_counter() - t); print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss);"
    "sys.exit(rc)"
)

CODE_BARE = """
import os, time, datetime as dt
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postloan.settings")
import django; django.setup()
import polars as pl
from postloan.eod.batch import _instalments
from postloan.platform.models import Institution
from postloan.servicing.models import Loan
inst = Institution.objects.get(code="DEMO")
as_of = inst.business_date - dt.timedelta(days=1)
frame = _instalments(inst.pk, 0, Loan.objects.order_by("-pk").values_list("pk", flat=True).first())
t = time.perf_counter()
dpd = (frame.filter((pl.col("due_date") <= as_of) & (pl.col("open") > 0)).group_by("loan_id")
       .agg(pl.col("due_date").min()).with_columns((pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("dpd"))
       .with_columns(pl.col("dpd").cut([0, 30, 60, 90, 120, 150, 180], labels=["M0","M1","M2","M3","M4","M5","M6","M7+"])
                     .alias("bucket")))
print("BARE_SECONDS", time.perf_counter() - t, "ROWS", frame.height, "LOANS", dpd.height)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    work = Path(args.data_dir or tempfile.mkdtemp(prefix="postloan-eod-bench-"))
    env = {**os.environ, "POSTLOAN_DATA_DIR": str(work)}
    if args.db:
        env["DATABASE_URL"] = args.db
    postloan = str(Path(sys.executable).with_name("postloan"))
    if not args.data_dir:
        started = time.perf_counter()
        subprocess.run(
            [postloan, "generate", "--loans", str(args.loans), "--seed", "42"], env=env, check=True
        )
        print(f"generated {args.loans} loans in {time.perf_counter() - started:.0f} s", flush=True)
    done = subprocess.run(
        [sys.executable, "-c", CODE_EOD], env=env, capture_output=True, text=True, check=True
    )
    values = {
        line.split()[0]: line.split()[1]
        for line in done.stdout.splitlines()
        if line.startswith(("SECONDS", "PEAK"))
    }
    bare = subprocess.run(
        [sys.executable, "-c", CODE_BARE], env=env, capture_output=True, text=True, check=True
    )
    parts = bare.stdout.split()
    result = {
        "loans": args.loans,
        "database": "postgresql" if args.db.startswith("postgres") else "sqlite",
        "eod_seconds": round(float(values["SECONDS"]), 1),
        "peak_rss_mib": round(int(values["PEAK_KIB"]) / 1024),
        "bare_polars_seconds": round(float(parts[parts.index("BARE_SECONDS") + 1]), 3),
        "instalment_rows": int(parts[parts.index("ROWS") + 1]),
    }
    result["ratio_full_to_bare"] = round(result["eod_seconds"] / max(result["bare_polars_seconds"], 1e-6))
    print(done.stdout.splitlines()[0] if done.stdout else "")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
