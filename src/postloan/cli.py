"""The `postloan` command: serve, migrate, createadmin, demo, audit, business-date, pii, manage."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Sequence

DEMO_PASSWORD_SUFFIX = "-Demo-2026"  # noqa: S105  (demo logins are printed on purpose)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postloan.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup()
    _migrate(verbosity=1)
    return 0


def _set_modules_env(modules_arg: str | None) -> int:
    if not modules_arg:
        return 0
    from postloan import modules

    wanted = [m.strip() for m in modules_arg.split(",") if m.strip()]
    unknown = modules.unknown_codes(wanted)
    if unknown:
        available = ", ".join(["platform", *modules.known_codes()])
        print(f"unknown module(s): {', '.join(unknown)}; available: {available}", file=sys.stderr)
        return 2
    os.environ["POSTLOAN_MODULES"] = ",".join(m for m in wanted if m != "platform") or "platform"
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if _set_modules_env(args.modules):
        return 2
    _setup()
    from django.conf import settings

    if args.dev:
        from django.core.management import call_command

        call_command("runserver", f"{args.host}:{args.port}", use_reloader=False)
        return 0
    from granian import Granian
    from granian.constants import Interfaces

    print(
        f"postloan serving on http://{args.host}:{args.port}/ ({args.workers} workers, data in "
        f"{settings.DATA_DIR})",
        flush=True,
    )
    Granian(
        "postloan.wsgi:application",
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
    ).serve()
    return 0


def _ensure_institution(name: str = "演示消费金融有限公司", code: str = "DEMO"):  # type: ignore[no-untyped-def]
    from postloan.platform import services

    institution = services.default_institution()
    if institution is None:
        institution = services.create_institution(code=code, name=name, business_date=dt.date.today())
    return institution


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup()
    _migrate(verbosity=0)
    from django.core.exceptions import ValidationError

    from postloan.platform import services
    from postloan.platform.models import OrgUnit, Role

    password = args.password or os.environ.get("POSTLOAN_ADMIN_PASSWORD") or ""
    if not password:
        if not sys.stdin.isatty():
            print("give --password or POSTLOAN_ADMIN_PASSWORD when not on a terminal", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
    institution = _ensure_institution()
    root = OrgUnit.objects.filter(institution=institution, parent=None).first()
    try:
        services.create_user(
            actor=None,
            institution=institution,
            username=args.username,
            password=password,
            roles=list(Role.objects.filter(code="administrator")),
            org_unit=root,
            data_scope="all",
            is_superuser=True,
        )
    except ValidationError as exc:
        print("; ".join(exc.messages), file=sys.stderr)
        return 1
    print(f"administrator {args.username!r} created in {institution.name}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup()
    _migrate(verbosity=0)
    from postloan.platform.demo import DEMO_USERS, create_demo_institution

    institution, created = create_demo_institution(password_suffix=DEMO_PASSWORD_SUFFIX)
    from postloan.servicing.models import Loan

    seeded = 0
    if not Loan.objects.filter(institution=institution).exists() and args.loans:
        # In a child process: Polars' thread pool must not exist in the process granian forks from.
        import subprocess

        subprocess.run(  # noqa: S603  (our own command, fixed arguments)
            [
                sys.executable,
                "-m",
                "postloan.cli",
                "generate",
                "--loans",
                str(args.loans),
                "--months",
                str(args.months),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        seeded = Loan.objects.filter(institution=institution).count()
    url = f"http://{args.host}:{args.port}/"
    print(f"\npostloan demo — {institution.name}, business date {institution.business_date}")
    print("(created now)" if created else "(already present, reused)")
    if seeded:
        print(f"demo portfolio: {seeded} loans over {args.months} months with their repayment history")
    print(f"\nOpen {url} and sign in as one of (password = username + {DEMO_PASSWORD_SUFFIX}):")
    for username, role, _unit, _scope in DEMO_USERS:
        print(f"  {username:<10} {username + DEMO_PASSWORD_SUFFIX:<22} {role}")
    print(flush=True)
    if args.no_serve:
        return 0
    args.modules, args.dev, args.workers, args.threads = None, False, args.workers, 4
    return cmd_serve(args)


def cmd_audit(args: argparse.Namespace) -> int:
    _setup()
    from postloan.platform.audit import verify_chain
    from postloan.platform.models import AuditHead

    try:
        broken = verify_chain()
    except Exception as exc:  # e.g. database unreachable: not a verdict on the chain
        print(f"audit trail could not be read: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if broken is not None:
        print(f"audit trail BROKEN at row {broken.seq}: {broken.reason}", file=sys.stderr)
        return 1
    head = AuditHead.objects.filter(pk=1).first()
    print(f"audit trail intact: {head.last_seq if head else 0} rows verified")
    return 0


def cmd_business_date(args: argparse.Namespace) -> int:
    _setup()
    from postloan.platform import services

    institution = services.default_institution()
    if institution is None:
        print("no institution yet; run `postloan demo` or `postloan createadmin` first", file=sys.stderr)
        return 1
    if args.set:
        if not args.reason:
            print("--reason is required with --set", file=sys.stderr)
            return 2
        institution = services.set_business_date(
            actor=None, institution=institution, new_date=dt.date.fromisoformat(args.set), reason=args.reason
        )
    print(institution.business_date.isoformat())
    return 0


def cmd_pii(args: argparse.Namespace) -> int:
    if args.action == "new-key":
        from postloan.platform.pii import new_key_spec

        print(new_key_spec(args.key_id))
        return 0
    _setup()
    from postloan.platform.pii_rotation import rotate_all

    counts = rotate_all()
    for label, n in counts.items():
        print(f"{label}: {n} rows re-encrypted with the current key")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """Print an instalment schedule (pure arithmetic: no database needed)."""
    import json
    from decimal import Decimal, InvalidOperation

    from postloan.servicing.domain.schedule import Method, ScheduleError, generate

    try:
        principal, rate = Decimal(args.principal), Decimal(args.annual_rate)
        start = dt.date.fromisoformat(args.start)
        rows = generate(
            principal=principal, annual_rate=rate, term=args.term, method=Method(args.method), start=start
        )
    except InvalidOperation:
        print("cannot build the schedule: --principal and --annual-rate must be numbers", file=sys.stderr)
        return 2
    except (ValueError, ScheduleError) as exc:
        print(f"cannot build the schedule: {exc}", file=sys.stderr)
        return 2
    data = [
        {
            "period": r.period,
            "due_date": r.due_date.isoformat(),
            "principal": str(r.principal),
            "interest": str(r.interest),
            "payment": str(r.payment),
            "remaining": str(r.remaining),
        }
        for r in rows
    ]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{'period':>6} {'due_date':>10} {'principal':>14} {'interest':>12} {'payment':>14} {'remaining':>14}"
    )
    for r in data:
        money = f"{r['principal']:>14} {r['interest']:>12} {r['payment']:>14} {r['remaining']:>14}"
        print(f"{r['period']:>6} {r['due_date']:>10} {money}")
    total_interest = sum((row.interest for row in rows), Decimal("0"))
    print(f"total interest {total_interest}, total paid {principal + total_interest}")
    return 0


def _institution_or_exit():  # type: ignore[no-untyped-def]
    from postloan.platform import services

    institution = services.default_institution()
    if institution is None:
        print("no institution yet; run `postloan demo` or `postloan createadmin` first", file=sys.stderr)
    return institution


def cmd_import(args: argparse.Namespace) -> int:
    _setup()
    _migrate(verbosity=0)
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from postloan.servicing.importing import import_file

    institution = _institution_or_exit()
    if institution is None:
        return 1
    try:
        batch = import_file(
            actor=None, institution=institution, entity=args.entity, path=Path(args.file), language=args.lang
        )
    except ValidationError as exc:
        print("import refused: " + "; ".join(exc.messages), file=sys.stderr)
        return 1
    print(
        f"{batch.entity}: {batch.rows_in} rows in, {batch.inserted} inserted, {batch.updated} updated, "
        f"{batch.unchanged} unchanged, {batch.rejected} rejected ({batch.seconds:.2f} s, batch {batch.pk})"
    )
    if batch.status == "unchanged":
        print(
            "nothing changed: every accepted row was already imported"
            if batch.unchanged
            else "nothing was written: no row passed validation"
        )
    if batch.reject_file:
        print(f"rejected rows with reasons: {batch.reject_file}")
    report = batch.report
    print(
        f"quality: validity {report['validity']:.2%}, consistency {report['consistency']:.2%}, "
        f"duplicates {report['duplicates']}"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _setup()
    from pathlib import Path

    from postloan.servicing.exporting import export

    institution = _institution_or_exit()
    if institution is None:
        return 1
    n = export(institution, args.entity, Path(args.file))
    print(f"{args.entity}: {n} rows written to {args.file}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    _setup()
    _migrate(verbosity=0)
    import time

    from postloan.platform.demo import create_demo_institution
    from postloan.servicing.portfolio import generate_into

    institution, _created = create_demo_institution(password_suffix=DEMO_PASSWORD_SUFFIX)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else institution.business_date
    started = time.monotonic()
    counts = generate_into(institution, loans=args.loans, months=args.months, seed=args.seed, as_of=as_of)
    seconds = time.monotonic() - started
    print(
        f"generated {counts.get('customers', 0)} customers, {counts.get('loans', 0)} loans, "
        f"{counts.get('repayments', 0)} repayments"
    )
    print(f"as of {as_of} in {seconds:.1f} s (seed {args.seed})")
    return 0


def cmd_eod(args: argparse.Namespace) -> int:
    _setup()
    _migrate(verbosity=0)
    from django.core.exceptions import ValidationError

    from postloan.eod import services as eod

    institution = _institution_or_exit()
    if institution is None:
        return 1
    try:
        runs = eod.start(
            actor=None,
            institution=institution,
            date=dt.date.fromisoformat(args.date) if args.date else None,
            until=dt.date.fromisoformat(args.until) if args.until else None,
            rerun=args.rerun,
            workers=args.workers,
        )
    except ValidationError as exc:
        print("; ".join(exc.messages), file=sys.stderr)
        return 1
    for run in runs:
        rows = ", ".join(f"{k} {v}" for k, v in run.counts.get("rows", {}).items())
        print(f"end of day {run.business_date} (attempt {run.attempt}): {run.status}; {rows}")
    institution.refresh_from_db()
    print(f"business date is now {institution.business_date}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings

    from postloan.celery_app import app

    pool = (
        ["--pool=solo"] if args.concurrency <= 1 else ["--pool=prefork", f"--concurrency={args.concurrency}"]
    )
    print(f"postloan worker: queue {settings.CELERY_QUEUE}, {args.concurrency} process(es)", flush=True)
    app().worker_main(["worker", "--loglevel=INFO", f"--queues={settings.CELERY_QUEUE}", *pool])
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["postloan manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postloan", description="postloan post-loan management platform")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(fn=fn)
        return p

    def server_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        p.add_argument("--workers", type=int, default=2, help="granian worker processes (default 2)")

    p = add("serve", cmd_serve, "Serve the web app and API with granian (WSGI).")
    server_args(p)
    p.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    p.add_argument("--modules", help="comma list of modules to serve (the platform is always on)")
    p.add_argument("--dev", action="store_true", help="use Django's development server instead")

    add("migrate", cmd_migrate, "Create or upgrade the database tables.")

    p = add("createadmin", cmd_createadmin, "Create an administrator (superuser) account.")
    p.add_argument("--username", default="admin")
    p.add_argument("--password", help="or POSTLOAN_ADMIN_PASSWORD; prompted on a terminal otherwise")

    p = add("demo", cmd_demo, "Create a demo institution with one user per role, print the logins, serve.")
    server_args(p)
    p.add_argument("--loans", type=int, default=20000, help="size of the demo portfolio (default 20000)")
    p.add_argument(
        "--months", type=int, default=24, help="months over which loans were disbursed (default 24)"
    )
    p.add_argument("--seed", type=int, default=20261204, help="generator seed (default 20261204)")
    p.add_argument("--no-serve", action="store_true", help="set up and print the logins, do not serve")

    p = add("audit", cmd_audit, "Audit trail tools.")
    p.add_argument(
        "action",
        choices=["verify"],
        help="verify: check the hash chain; exit 0 intact, 1 naming the first bad row, 2 unreadable",
    )

    p = add("business-date", cmd_business_date, "Show or (administrator override) set the business date.")
    p.add_argument("--set", metavar="YYYY-MM-DD")
    p.add_argument("--reason")

    p = add("pii", cmd_pii, "Personal-data key management.")
    p.add_argument(
        "action",
        choices=["rotate", "new-key"],
        help="rotate: re-encrypt all stored PII with the first key; new-key: print a fresh key entry",
    )
    p.add_argument("--key-id", default=dt.date.today().strftime("k%Y%m%d"), help="id for new-key")

    p = add("schedule", cmd_schedule, "Print the instalment schedule of a loan (no database needed).")
    p.add_argument("--principal", required=True, help="amount, e.g. 120000")
    p.add_argument("--annual-rate", required=True, help="e.g. 0.0435 for 4.35%%")
    p.add_argument("--term", type=int, required=True, help="number of monthly instalments")
    p.add_argument(
        "--method", required=True, choices=["equal_installment", "equal_principal", "interest_only", "bullet"]
    )
    p.add_argument(
        "--start",
        required=True,
        metavar="YYYY-MM-DD",
        help="disbursement date; period k is due k months later",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = add("generate", cmd_generate, "Generate a deterministic synthetic portfolio into the database.")
    p.add_argument("--loans", type=int, required=True)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="business date of the history (default: the current one)"
    )

    p = add("eod", cmd_eod, "End-of-day batch.")
    p.add_argument("action", choices=["run"], help="run: the current business date (then the date moves on)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="a given date (not after the business date)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="catch up day by day until this date")
    p.add_argument("--rerun", action="store_true", help="replay a date that already ran")
    p.add_argument(
        "--workers",
        choices=["local", "celery"],
        default="local",
        help="local: partitions run in this process; celery: as tasks on `postloan worker` processes",
    )

    p = add("worker", cmd_worker, "Run end-of-day partitions sent by `eod run --workers celery`.")
    p.add_argument(
        "--concurrency", type=int, default=1, help="processes (default 1; run more workers to scale)"
    )

    entities = ["customers", "loans", "repayments"]
    p = add("import", cmd_import, "Import a data-standard file (CSV in UTF-8 or GBK, JSON Lines, Parquet).")
    p.add_argument("entity", choices=entities)
    p.add_argument("file")
    p.add_argument(
        "--lang", choices=["zh-hans", "en"], help="language of the reject reasons (default zh-hans)"
    )

    p = add("export", cmd_export, "Export an entity in the data-standard format (.csv, .jsonl or .parquet).")
    p.add_argument("entity", choices=entities)
    p.add_argument("file")

    p = add("manage", cmd_manage, "Run a Django management command (advanced).")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
