"""Import benchmark: rows per second and peak memory for customers, loans (with schedules) and
repayments, through `postloan import` exactly as an operator runs it.

    python benchmarks/import/run.py --loans 120000            # SQLite in a scratch directory
    python benchmarks/import/run.py --loans 120000 --db postgres://root@127.0.0.1:5432/postloan_bench

The portfolio comes from the deterministic generator (seed 42) and is written to CSV files first
(untimed); each import then runs in its own process, timed, with its peak RSS read from the OS.
The PostgreSQL database named in --db is dropped and recreated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POSTLOAN = str(Path(sys.executable).with_name("postloan"))


def fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_import(entity: str, path: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """`postloan import` in a fresh process that reports its own peak RSS (KiB on Linux)."""
    code = (
        "import resource, sys; from postloan.cli import main;"
        f"rc = main(['import', '{entity}', '{path}']);"
        "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("PEAK_KIB"))
    return seconds, peak / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=120_000)
    parser.add_argument("--db", default="", help="DATABASE_URL (default: SQLite in a scratch directory)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="postloan-bench-"))
    env = {**os.environ, "POSTLOAN_DATA_DIR": str(work)}
    if args.db:
        env["DATABASE_URL"] = args.db
        if args.db.startswith("postgres"):
            fresh_postgres(args.db)
    subprocess.run([POSTLOAN, "demo", "--no-serve", "--loans", "0"], env=env, check=True, capture_output=True)
    # Build the files with the generator (not timed).
    code = (
        "import django, datetime as dt, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','postloan.settings');"
        "django.setup();"
        "from postloan.servicing import generator; from postloan.servicing.portfolio import ensure_products;"
        "from postloan.platform.models import Institution;"
        "inst=Institution.objects.get(code='DEMO'); ensure_products(inst);"
        "terms={'cash12':('equal_installment',12,'0.1800'),'consumer24':('equal_principal',24,'0.1200'),"
        "'sme6':('interest_only',6,'0.0900')};"
        f"b=generator.build(loans={args.loans}, months=24, seed=42, as_of=dt.date(2026,12,4),"
        "product_terms=terms, org_units=['COLL-A','COLL-B']);"
        f"b.customers.write_csv('{work}/customers.csv'); b.loans.write_csv('{work}/loans.csv');"
        f"b.repayments.write_csv('{work}/repayments.csv')"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=work)
    results = {
        "loans": args.loans,
        "database": "postgresql"
        if args.db.startswith("postgres")
        else ("mariadb" if args.db.startswith("mysql") else "sqlite"),
        "date": dt.date.today().isoformat(),
    }
    for entity in ("customers", "loans", "repayments"):
        rows = sum(1 for _ in (work / f"{entity}.csv").open(encoding="utf-8")) - 1
        seconds, peak_mib, out = run_import(entity, work / f"{entity}.csv", env)
        results[entity] = {
            "rows": rows,
            "seconds": round(seconds, 1),
            "rows_per_second": round(rows / seconds),
            "peak_rss_mib": round(peak_mib),
        }
        print(entity, results[entity], out.splitlines()[0], flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
