"""The Celery application behind `postloan worker` and `postloan eod run --workers celery`.

Only the end-of-day partitions travel through it. Results are not sent back through a result
backend: each task commits its output with its checkpoints, and the coordinator reads those (and a
failed task's error on the run) from the database, which is the one source of truth either way.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import task_postrun, task_prerun


def _app() -> Celery:
    from django.conf import settings

    app = Celery("postloan")
    app.conf.update(
        broker_url=settings.CELERY_BROKER_URL,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.CELERY_QUEUE,
        task_ignore_result=True,
        task_acks_late=True,  # a worker killed mid-partition leaves the task for another worker
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
    )
    app.autodiscover_tasks(["postloan.eod"])
    return app


_instance: Celery | None = None


def app() -> Celery:
    global _instance
    if _instance is None:
        _instance = _app()
    return _instance


@task_prerun.connect
@task_postrun.connect
def _fresh_connections(**_kwargs: object) -> None:
    # A worker lives for days: drop database connections the server may have closed meanwhile.
    from django.db import close_old_connections

    close_old_connections()


def consumers(timeout: float = 1.0) -> list[str]:
    """Names of the workers consuming this deployment's queue (empty when none answers)."""
    from django.conf import settings

    queues = app().control.inspect(timeout=timeout).active_queues() or {}
    return [
        name for name, items in queues.items() if any(q.get("name") == settings.CELERY_QUEUE for q in items)
    ]
