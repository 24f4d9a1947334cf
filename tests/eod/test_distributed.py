"""`postloan eod run --workers celery`: the same portfolio closed by real `postloan worker` processes
through a real broker (Redis and RabbitMQ) ends exactly as closed in-process."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection

from postloan import celery_app
from postloan.eod import runner
from postloan.eod.models import BucketTransition, EodRun, LoanDelinquency, PortfolioSnapshot
from postloan.platform.models import Institution
from postloan.servicing import services
from postloan.servicing.models import Instalment, Loan

BROKERS = {
    "redis": "redis://127.0.0.1:6379/3",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}
START = dt.date(2026, 3, 29)


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=1).close()
    except OSError:
        return False
    return True


def _require(broker: str) -> None:
    if not _reachable(broker):
        message = f"broker not reachable at {broker}"
        if os.environ.get("POSTLOAN_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _database_url() -> str:
    """The test database as a URL the worker process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    scheme = "postgres" if connection.vendor == "postgresql" else "mysql"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"{scheme}://{auth}@{s['HOST'] or '127.0.0.1'}{port}/{s['NAME']}"


def _portfolio(institution: Institution) -> None:
    """Seven loans in all states of lateness, some paid, one settled early."""
    product = services.save_product(
        actor=None,
        institution=institution,
        code="p",
        name="p",
        config={"term": 6, "annual_rate": "0.18", "grace_days": 2},
    )
    for n in range(7):
        customer = services.create_customer(
            actor=None, institution=institution, customer_no=f"C{n}", name="测试"
        )
        loan = services.book_loan(
            actor=None,
            customer=customer,
            product=product,
            loan_no=f"L{n}",
            principal=D("1000.00") * (n + 1),
            disbursed_on=dt.date(2025, 11 + n % 2, 28),
        )
        if n % 3 == 1:
            services.post_repayment(
                actor=None, loan=loan, amount=D("180.00") * n, value_date=START, channel="online"
            )


def _tables(institution: Institution) -> dict[str, list]:
    loans = dict(Loan.objects.filter(institution=institution).values_list("pk", "loan_no"))

    def rows(model, *fields):  # type: ignore[no-untyped-def]
        found = model.objects.filter(loan_id__in=loans).values_list("loan_id", *fields)
        return sorted((loans[r[0]], *r[1:]) for r in found)

    return {
        "instalments": rows(Instalment, "period", "penalty_due", "penalty_pending", "principal_paid"),
        "delinquency": rows(LoanDelinquency, "as_of", "dpd", "bucket", "classification", "provision", "ecl"),
        "transitions": rows(BucketTransition, "business_date", "from_bucket", "to_bucket", "to_class"),
        "snapshots": sorted(
            PortfolioSnapshot.objects.filter(institution=institution).values_list(
                "business_date", "bucket", "classification", "loans", "overdue_total", "ecl"
            )
        ),
    }


@pytest.fixture
def worker(request, settings, tmp_path):  # type: ignore[no-untyped-def]
    broker = BROKERS[request.param]
    _require(broker)
    queue = f"postloan-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BROKER_URL, settings.CELERY_QUEUE = broker, queue
    settings.EOD_WORKER_TIMEOUT = 120  # a lost task fails the test instead of hanging it
    celery_app._instance = None  # rebuilt from these settings
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "POSTLOAN_CELERY_QUEUE": queue,
    }
    postloan = str(Path(sys.executable).with_name("postloan"))
    log = tmp_path / "worker.log"
    with log.open("w") as out:  # a file, not a pipe: nobody reads a pipe until the end
        process = subprocess.Popen([postloan, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not celery_app.consumers():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker did not start:\n{log.read_text()}")
    yield process
    process.terminate()
    process.wait(timeout=30)
    celery_app._instance = None
    print(log.read_text()[-3000:])  # shown when the test fails


@pytest.mark.parametrize("worker", ["redis", "rabbitmq"], indirect=True)
def test_celery_workers_close_dates_exactly_like_the_local_run(transactional_db, worker):
    local = Institution.objects.create(code="LOCAL", name="local", business_date=START)
    remote = Institution.objects.create(code="REMOTE", name="remote", business_date=START)
    for institution in (local, remote):
        _portfolio(institution)
    for offset in range(4):  # 03-29 .. 04-01: a month end and a due date
        day = START + dt.timedelta(days=offset)
        runner.run_date(local, day, partition_size=2)
        runner.run_date(remote, day, partition_size=2, workers="celery")
    assert _tables(remote) == _tables(local)
    run = EodRun.objects.filter(institution=remote).order_by("-business_date").first()
    assert run.status == "succeeded" and run.partitions == 4  # 7 loans in partitions of 2
    remote.refresh_from_db()
    assert remote.business_date == dt.date(2026, 4, 2)


def test_no_worker_is_a_clear_failure(transactional_db, settings):
    settings.CELERY_BROKER_URL = BROKERS["redis"]
    _require(BROKERS["redis"])
    settings.CELERY_QUEUE = f"postloan-test-{uuid.uuid4().hex[:8]}"
    celery_app._instance = None
    institution = Institution.objects.create(code="NW", name="no worker", business_date=START)
    _portfolio(institution)
    with pytest.raises(runner.EodError):
        runner.run_date(institution, START, workers="celery")
    run = EodRun.objects.get(institution=institution)
    assert run.status == "failed" and run.error and not run.checkpoints.exists()
    institution.refresh_from_db()
    assert institution.eod_closing is None  # nothing was written: payments may be posted meanwhile
    celery_app._instance = None


def test_partitions_in_threads_close_dates_exactly_like_one_at_a_time(
    transactional_db, settings, monkeypatch
):
    """POSTLOAN_EOD_THREADS on PostgreSQL: partitions run concurrently, each on its own connection;
    elsewhere the setting is ignored (SQLite has one writer; InnoDB's gap locks would make
    neighbouring partitions wait on each other) and the run is the same sequential one."""
    one = Institution.objects.create(code="ONE", name="one thread", business_date=START)
    two = Institution.objects.create(code="TWO", name="two threads", business_date=START)
    for institution in (one, two):
        _portfolio(institution)
    threads: set[int] = set()
    run_partition = runner.run_partition

    def spy(run_id: int, index: int, **kwargs):  # type: ignore[no-untyped-def]
        threads.add(threading.get_ident())
        return run_partition(run_id, index, **kwargs)

    monkeypatch.setattr(runner, "run_partition", spy)
    for offset in range(4):
        day = START + dt.timedelta(days=offset)
        settings.EOD_THREADS = 1
        runner.run_date(one, day, partition_size=2)
        settings.EOD_THREADS = 2
        runner.run_date(two, day, partition_size=2)
    assert _tables(two) == _tables(one)
    assert _tables(one)["delinquency"]  # the comparison is not of two empty tables
    run = EodRun.objects.filter(institution=two).order_by("-business_date").first()
    assert run.status == "succeeded" and run.checkpoints.count() == 4 * len(run.steps)
    assert len(threads) == (3 if connection.vendor == "postgresql" else 1)  # main + two, or main alone


def test_a_partition_failing_in_a_thread_fails_the_run_and_a_retry_finishes_it(
    transactional_db, settings, monkeypatch
):
    settings.EOD_THREADS = 2
    institution = Institution.objects.create(code="FAIL", name="failing", business_date=START)
    _portfolio(institution)
    run_partition = runner.run_partition

    def broken(run_id: int, index: int, **kwargs):  # type: ignore[no-untyped-def]
        if index == 1:
            raise RuntimeError("disk full")
        return run_partition(run_id, index, **kwargs)

    monkeypatch.setattr(runner, "run_partition", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        runner.run_date(institution, START, partition_size=2)
    run = EodRun.objects.get(institution=institution, business_date=START)
    assert run.status == "failed" and run.error == "RuntimeError: disk full"
    assert not run.checkpoints.filter(partition=1).exists()
    institution.refresh_from_db()
    assert institution.business_date == START  # the date did not move on
    monkeypatch.setattr(runner, "run_partition", run_partition)
    retried = runner.run_date(institution, START, partition_size=2)
    assert retried.pk == run.pk and retried.status == "succeeded"
    assert retried.checkpoints.count() == 4 * len(retried.steps)
    institution.refresh_from_db()
    assert institution.business_date == START + dt.timedelta(days=1)
