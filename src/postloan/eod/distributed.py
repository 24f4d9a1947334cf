"""Running a business date's partitions on Celery workers: dispatch one task per unfinished
partition, then wait until the database holds every checkpoint (or a task's error)."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _

from postloan.eod.models import EodCheckpoint, EodRun


def run_partitions(run: EodRun, poll_seconds: float = 0.2) -> None:
    from postloan.celery_app import app, consumers
    from postloan.eod.runner import EodError

    partitions = len(run.counts["bounds"])
    expected = len(run.steps) * partitions
    done = set(run.checkpoints.values_list("step", "partition"))
    pending = [i for i in range(partitions) if any((s, i) not in done for s in run.steps)]
    if not pending:
        return
    try:
        answered = consumers(timeout=2.0)
    except Exception as exc:  # the broker itself is unreachable
        raise EodError(_("The task broker cannot be reached: %(e)s") % {"e": exc}) from None
    if not answered:
        raise EodError(_("No postloan worker answered on the task broker; start one with `postloan worker`."))
    EodRun.objects.filter(pk=run.pk).update(error="")
    for index in pending:  # by name, on the app as configured now (tests switch brokers)
        app().send_task("postloan.eod.run_partition", args=(run.pk, index), queue=settings.CELERY_QUEUE)
    deadline = time.monotonic() + settings.EOD_WORKER_TIMEOUT
    while True:
        if EodCheckpoint.objects.filter(run=run).count() >= expected:
            return
        error = EodRun.objects.filter(pk=run.pk).values_list("error", flat=True).first()
        if error:
            raise EodError(error)
        if time.monotonic() > deadline:
            raise EodError(
                _("The workers did not finish within %(s)s seconds.") % {"s": settings.EOD_WORKER_TIMEOUT}
            )
        time.sleep(poll_seconds)
