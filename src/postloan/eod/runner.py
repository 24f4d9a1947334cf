"""Running the end-of-day batch: one business date at a time, as ordered steps over loan partitions,
each partition's output committed with its checkpoint. A run is a record; the business date moves on
only when every step of every partition succeeded.

Overlap is impossible: a run in progress belongs to a process (pid on this host); a second run is
refused while that process lives, and a run whose process died is resumed from its checkpoints.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from postloan.eod import batch
from postloan.eod.models import EodCheckpoint, EodRun
from postloan.platform import runtime_config
from postloan.platform import services as platform
from postloan.platform.models import Institution
from postloan.servicing.models import Loan

OWNER = f"{socket.gethostname()}:{os.getpid()}"


class EodError(RuntimeError):
    pass


def _alive(owner: str) -> bool:
    host, _sep, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's run: assume alive (operators clear it by hand)
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def available_steps() -> dict[str, Any]:
    """Built-in steps, then those plugins contribute (postloan_eod_steps)."""
    from postloan.platform.plugins import manager

    steps = dict(batch.STEPS)
    for contributed in manager.hook().postloan_eod_steps():
        steps.update(contributed or {})
    return steps


def steps_for(institution: Institution) -> list[str]:
    configured = runtime_config.for_institution(institution)["eod.steps"]
    return [s for s in configured if s in available_steps()]


def _partitions(institution: Institution, size: int) -> list[list[int]]:
    bounds = Loan.objects.filter(institution=institution).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    return [[lo, min(lo + size - 1, bounds["hi"])] for lo in range(bounds["lo"], bounds["hi"] + 1, size)]


def _claim(
    institution: Institution, business_date: dt.date, rerun: bool, actor: Any, partition_size: int
) -> EodRun:
    with transaction.atomic():
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        running = EodRun.objects.filter(institution=locked, status=EodRun.Status.RUNNING).first()
        if running is not None:
            if _alive(running.counts.get("owner", "")) and running.counts.get("owner") != OWNER:
                raise EodError(
                    _("An end-of-day run for %(d)s is in progress.") % {"d": running.business_date}
                )
            if running.business_date == business_date:
                running.counts = {
                    **running.counts,
                    "owner": OWNER,
                    "resumed": running.counts.get("resumed", 0) + 1,
                }
                running.save(update_fields=["counts"])
                return running  # resume after a crash, over the partitions it started with
            running.status, running.error = EodRun.Status.FAILED, "abandoned: its process died"
            running.save(update_fields=["status", "error"])
        attempts = EodRun.objects.filter(institution=locked, business_date=business_date)
        done = attempts.filter(status=EodRun.Status.SUCCEEDED)
        latest = attempts.order_by("-attempt").first()
        if latest is not None and latest.status == EodRun.Status.FAILED and not done.exists():
            # A failed run is retried in place: its checkpoints stand, so no partition accrues twice.
            latest.status, latest.error, latest.finished_at = EodRun.Status.RUNNING, "", None
            latest.counts = {**latest.counts, "owner": OWNER, "retried": latest.counts.get("retried", 0) + 1}
            latest.save(update_fields=["status", "error", "finished_at", "counts"])
            return latest
        if done.exists() and not rerun:
            raise EodError(
                _("The end of day for %(d)s has already run; use --rerun to replay it.")
                % {"d": business_date}
            )
        last_closed = locked.business_date - dt.timedelta(days=1)
        if rerun and business_date < last_closed:
            raise EodError(
                _(
                    "Only the last closed date (%(d)s) can be replayed; history after a backdated "
                    "change is rebuilt automatically."
                )
                % {"d": last_closed}
            )
        attempt = (attempts.aggregate(n=Max("attempt"))["n"] or 0) + 1
        if business_date == locked.business_date:
            locked.eod_closing = business_date  # ledger changes wait until the date is closed
            locked.save(update_fields=["eod_closing"])
        partitions = _partitions(locked, partition_size)
        return EodRun.objects.create(
            institution=locked,
            business_date=business_date,
            attempt=attempt,
            steps=steps_for(locked),
            partitions=len(partitions),
            counts={"owner": OWNER, "bounds": partitions},
            actor=getattr(actor, "username", "") or "system",
        )


def run_partition(run_id: int, index: int, *, crash_after: int | None = None) -> int:
    """Run the steps of one partition that have no checkpoint yet, each committed with its own.
    Called in-process or by a Celery worker; returns the number of steps done."""
    run = EodRun.objects.select_related("institution").get(pk=run_id)
    lo, hi = run.counts["bounds"][index]
    done = set(run.checkpoints.filter(partition=index).values_list("step", flat=True))
    steps = available_steps()
    finished = 0
    for step in run.steps:
        if step in done:
            continue
        started = time.monotonic()
        with transaction.atomic():
            batch.tune_session()
            rows = steps[step](run.institution_id, run.business_date, lo, hi)
            EodCheckpoint.objects.create(
                run=run, step=step, partition=index, rows=rows, seconds=round(time.monotonic() - started, 3)
            )
        finished += 1
        if crash_after is not None and finished >= crash_after:
            raise KeyboardInterrupt("simulated crash")  # tests: a process dying mid-run
    return finished


def _threads() -> int:
    """Partitions run concurrently only on PostgreSQL (SQLite has a single writer; on MariaDB InnoDB's
    gap locks at partition boundaries would make neighbouring partitions wait on each other), and
    only outside a caller's transaction, whose uncommitted run the threads' connections cannot see."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return settings.EOD_THREADS


def _run_threaded(run: EodRun, threads: int) -> None:
    """Partitions on a pool of threads, each with its own database connection: while one waits on
    the database the other computes. The first failure cancels the partitions not yet started."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def one(index: int) -> int:
        try:
            return run_partition(run.pk, index)
        finally:
            connection.close()

    pool = ThreadPoolExecutor(threads, thread_name_prefix="eod")
    try:
        list(pool.map(one, range(len(run.counts["bounds"]))))  # raises the first partition's error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def record_partition_error(run_id: int, index: int, exc: Exception) -> None:
    """A partition failed on a worker: put its error on the run for the coordinator to report."""
    EodRun.objects.filter(pk=run_id).update(error=f"partition {index}: {type(exc).__name__}: {exc}")


def _fail(run: EodRun, error: str) -> None:
    run.status, run.error, run.finished_at = EodRun.Status.FAILED, error, timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    if not run.checkpoints.exists():
        # nothing of the date was written (no worker, a broker down): the ledger may change again;
        # once a partition has been written, it stays closed until a retry finishes the date
        Institution.objects.filter(pk=run.institution_id, eod_closing=run.business_date).update(
            eod_closing=None
        )


def run_date(
    institution: Institution,
    business_date: dt.date,
    *,
    rerun: bool = False,
    actor: Any = None,
    partition_size: int = 50_000,
    crash_after: int | None = None,
    workers: str = "local",
) -> EodRun:
    """Run (or resume, or with `rerun` replay) the end of day for one business date. Partitions run
    in-process (`workers="local"`) or as Celery tasks on `postloan worker` processes ("celery")."""
    run = _claim(institution, business_date, rerun, actor, partition_size)
    try:
        if workers == "celery":
            from postloan.eod import distributed

            distributed.run_partitions(run)
        elif crash_after is None and (threads := _threads()) > 1:
            _run_threaded(run, threads)
        else:
            left = crash_after
            for index in range(len(run.counts["bounds"])):
                done = run_partition(run.pk, index, crash_after=left)
                left = None if left is None else left - done
    except KeyboardInterrupt:
        raise
    except EodError as exc:
        _fail(run, str(exc))
        raise
    except Exception as exc:  # the run is recorded as failed, with its error, and can be retried
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise
    with transaction.atomic():
        totals: dict[str, int] = {}
        for cp in run.checkpoints.all():
            totals[cp.step] = totals.get(cp.step, 0) + cp.rows
        run.status, run.finished_at = EodRun.Status.SUCCEEDED, timezone.now()
        run.counts = {**run.counts, "rows": totals}
        run.save(update_fields=["status", "finished_at", "counts"])
        current = Institution.objects.select_for_update().get(pk=institution.pk)
        if current.eod_closing == business_date:
            current.eod_closing = None
            current.save(update_fields=["eod_closing"])
        if current.business_date == business_date:
            platform.set_business_date(
                actor=None,
                institution=current,
                new_date=business_date + dt.timedelta(days=1),
                reason=f"end of day {business_date} completed (run {run.pk})",
            )
        platform.record_audit(
            actor=actor,
            action="eod_run",
            obj=run,
            after={"business_date": business_date.isoformat(), "attempt": run.attempt, "rows": totals},
            institution_id=institution.pk,
        )
    institution.refresh_from_db()
    return run


def run(
    institution: Institution,
    *,
    date: dt.date | None = None,
    until: dt.date | None = None,
    rerun: bool = False,
    actor: Any = None,
    workers: str = "local",
) -> list[EodRun]:
    """`postloan eod run`: the current business date, a given one (not after it), or day by day until
    a date."""
    institution.refresh_from_db()
    if until is not None:
        runs = []
        while institution.business_date <= until:
            runs.append(run_date(institution, institution.business_date, actor=actor, workers=workers))
            institution.refresh_from_db()
        return runs
    target = date or institution.business_date
    if target > institution.business_date:
        raise EodError(_("%(d)s is after the business date; run the days before it first.") % {"d": target})
    return [run_date(institution, target, rerun=rerun, actor=actor, workers=workers)]
