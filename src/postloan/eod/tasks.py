"""End-of-day work as Celery tasks (`postloan worker` runs them)."""

from __future__ import annotations

from postloan.celery_app import app


@app().task(name="postloan.eod.run_partition")
def run_partition(run_id: int, index: int) -> int:
    """The remaining steps of one partition, each committed with its checkpoint. A failure is written
    on the run, where the coordinator sees it, then re-raised for the worker's log."""
    from postloan.eod import runner

    try:
        return runner.run_partition(run_id, index)
    except Exception as exc:
        runner.record_partition_error(run_id, index, exc)
        raise
