"""The end-of-day batch against the database: hand-computed DPD, bucket, class and provision across
month ends, leap years, grace days, partial payments and backdated payments; rerun, crash + resume."""

import datetime as dt
from decimal import Decimal as D

import pytest

from postloan.eod import runner
from postloan.eod.models import BucketTransition, EodRun, LoanDelinquency
from postloan.servicing import services

# 1000.00 at 12% over 3 months, equal instalments: 340.02 due on the anchor day + 1..3 months.


@pytest.fixture
def book(demo, user_of):  # type: ignore[no-untyped-def]
    admin, agent = user_of("admin"), user_of("agent")

    def make(
        code: str, *, grace: int = 0, tolerance: str = "0", start=dt.date(2026, 1, 31), rule_set="standard"
    ):
        product = services.save_product(
            actor=admin,
            institution=demo,
            code=code,
            name=code,
            config={
                "term": 3,
                "annual_rate": "0.12",
                "grace_days": grace,
                "tolerance": tolerance,
                "classification_rule_set": rule_set,
            },
        )
        customer = services.create_customer(
            actor=agent, institution=demo, customer_no=f"C-{code}", name="测试"
        )
        return services.book_loan(
            actor=agent,
            customer=customer,
            product=product,
            loan_no=f"L-{code}",
            principal=D("1000.00"),
            disbursed_on=start,
        )

    return make


def _on(demo, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    demo.business_date = day
    demo.save()


def _state(loan):  # type: ignore[no-untyped-def]
    s = LoanDelinquency.objects.get(loan=loan)
    return s.dpd, s.bucket, s.classification, s.stage, s.provision


def test_month_end_ageing_buckets_class_and_provision(demo, book):
    loan = book("plain")
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo)
    assert _state(loan) == (0, "M0", "normal", 1, D("15.00"))  # due today is not overdue; 1000 × 1.5 %
    runner.run(demo)  # 2026-03-01: one day past 02-28
    assert _state(loan) == (1, "M1", "special_mention", 1, D("30.00"))  # 1000 × 3 %
    runner.run(demo, until=dt.date(2026, 4, 1))  # 04-01 − 02-28 = 32 days
    assert _state(loan) == (32, "M2", "special_mention", 2, D("30.00"))
    moves = list(
        BucketTransition.objects.filter(loan=loan).values_list("business_date", "from_bucket", "to_bucket")
    )
    assert moves == [
        (dt.date(2026, 3, 1), "M0", "M1"),
        (dt.date(2026, 3, 31), "M1", "M2"),
    ]  # 31 days on 03-31
    demo.refresh_from_db()
    assert demo.business_date == dt.date(2026, 4, 2)


def test_grace_days_jump_from_zero_to_g_plus_one(demo, book):
    loan = book("grace", grace=3)
    _on(demo, dt.date(2026, 3, 3))  # 3 days after 02-28: inside the grace period
    runner.run(demo)
    assert _state(loan)[:2] == (0, "M0")
    runner.run(demo)  # 03-04: 4 days, beyond 3 days of grace → DPD counts from the due date
    assert _state(loan)[:2] == (4, "M1")


def test_leap_year_due_date(demo, book):
    loan = book("leap", start=dt.date(2028, 1, 31))  # first due 2028-02-29
    _on(demo, dt.date(2028, 3, 1))
    runner.run(demo)
    assert _state(loan)[0] == 1


def test_partial_payment_and_tolerance(demo, book, user_of):
    strict, lenient = book("strict"), book("lenient", tolerance="0.05")
    exact = book("exact", tolerance="0.03")
    _on(demo, dt.date(2026, 3, 2))
    for loan in (strict, lenient, exact):
        services.post_repayment(
            actor=user_of("agent"),
            loan=loan,
            amount=D("339.99"),
            value_date=dt.date(2026, 2, 28),
            channel="online",
        )
    runner.run(demo)
    assert _state(strict)[0] == 2  # 0.03 short: still overdue since 02-28
    assert _state(lenient)[0] == 0  # 0.03 ≤ 0.05 tolerance: treated as paid
    assert _state(exact)[0] == 0  # a shortfall equal to the tolerance is within it


def test_backdated_payment_clears_delinquency(demo, book, user_of):
    loan = book("late")
    _on(demo, dt.date(2026, 3, 10))
    runner.run(demo)
    assert _state(loan)[:2] == (10, "M1")
    services.post_repayment(
        actor=user_of("agent"),
        loan=loan,
        amount=D("340.02"),
        value_date=dt.date(2026, 2, 28),
        channel="bank_transfer",
    )  # arrived on time, booked on 03-11
    runner.run(demo)
    assert _state(loan)[:2] == (0, "M0")


def test_restructured_loan_stays_special_mention(demo, book, user_of):
    loan = book("restr")
    _on(demo, dt.date(2026, 3, 15))
    services.restructure(
        actor=user_of("manager"), loan=loan, kind="payment_plan", periods=2, reason="hardship"
    )
    runner.run(demo)
    assert _state(loan)[:3] == (0, "M0", "special_mention")


def test_rerun_refused_then_identical(demo, book):
    loans = [book(f"r{i}") for i in range(3)]
    _on(demo, dt.date(2026, 3, 20))
    runner.run(demo)
    first = sorted(
        LoanDelinquency.objects.values_list("loan_id", "dpd", "bucket", "classification", "provision")
    )
    with pytest.raises(runner.EodError):
        runner.run(demo, date=dt.date(2026, 3, 20))
    again = runner.run(demo, date=dt.date(2026, 3, 20), rerun=True)
    assert again[0].attempt == 2 and again[0].status == "succeeded"
    assert (
        sorted(LoanDelinquency.objects.values_list("loan_id", "dpd", "bucket", "classification", "provision"))
        == first
    )
    assert BucketTransition.objects.filter(business_date=dt.date(2026, 3, 20)).count() == len(loans)
    demo.refresh_from_db()
    assert demo.business_date == dt.date(2026, 3, 21)  # a rerun of a past date does not move it again


def test_crash_then_resume_equals_clean_run(demo, book):
    for i in range(7):
        book(f"c{i}")
    _on(demo, dt.date(2026, 4, 5))
    runner.run_date(demo, dt.date(2026, 4, 5), partition_size=2)
    clean = sorted(
        LoanDelinquency.objects.values_list("loan_id", "dpd", "bucket", "classification", "provision")
    )
    LoanDelinquency.objects.all().delete()
    BucketTransition.objects.all().delete()
    EodRun.objects.all().delete()
    _on(demo, dt.date(2026, 4, 5))
    with pytest.raises(KeyboardInterrupt):
        runner.run_date(demo, dt.date(2026, 4, 5), partition_size=2, crash_after=2)
    run = EodRun.objects.get()
    assert run.status == "running" and run.checkpoints.count() == 2
    demo.refresh_from_db()
    assert demo.business_date == dt.date(2026, 4, 5)  # not advanced by a crashed run
    resumed = runner.run_date(demo, dt.date(2026, 4, 5), partition_size=2)
    assert resumed.pk == run.pk and resumed.status == "succeeded" and resumed.counts["resumed"] == 1
    assert (
        sorted(LoanDelinquency.objects.values_list("loan_id", "dpd", "bucket", "classification", "provision"))
        == clean
    )
    assert EodRun.objects.get().checkpoints.count() == 16  # 4 steps × 4 partitions (7 loans, 2 each)


def test_future_date_refused(demo):
    with pytest.raises(runner.EodError):
        runner.run(demo, date=demo.business_date + dt.timedelta(days=1))


def test_run_history_screen_and_loan_panel(client_as, demo, book):
    loan = book("screen")
    _on(demo, dt.date(2026, 3, 5))
    admin = client_as("admin")
    assert admin.post("/eod/runs/start/").status_code == 302
    page = admin.get("/eod/runs/").content.decode()
    assert "2026-03-05" in page and "succeeded" not in page  # status is shown translated
    loan_page = admin.get(f"/servicing/loans/{loan.pk}/").content.decode()
    assert 'data-testid="eod-bucket">M1<' in loan_page
    assert client_as("collector").get("/eod/runs/").status_code == 403
    assert client_as("auditor").post("/eod/runs/start/").status_code == 403


def test_snapshots_daily_aggregates_and_month_end(demo, book):
    from django.db.models import Sum

    from postloan.eod.models import LoanMonthEnd, PortfolioSnapshot

    for i in range(3):
        book(f"s{i}")
    _on(demo, dt.date(2026, 3, 30))
    runner.run(demo, until=dt.date(2026, 3, 31))
    day = PortfolioSnapshot.objects.filter(business_date=dt.date(2026, 3, 30))
    assert day.aggregate(n=Sum("loans"))["n"] == 3
    # each loan: 340.02 overdue since 02-28 (30 days, M1, 关注), outstanding principal 1000.00, and
    # the first day of penalty (accrual starts with the first run): 330.02 × 18 % / 365 = 0.16
    assert day.aggregate(p=Sum("outstanding_principal"), o=Sum("overdue_total")) == {
        "p": D("3000.00"),
        "o": D("1020.54"),
    }
    assert set(day.values_list("bucket", "classification")) == {("M1", "special_mention")}
    assert not LoanMonthEnd.objects.filter(business_date=dt.date(2026, 3, 30)).exists()
    assert LoanMonthEnd.objects.filter(business_date=dt.date(2026, 3, 31)).count() == 3  # month end


def test_top_bar_shows_last_run(client_as, demo, book):
    book("top")
    admin = client_as("admin")
    assert 'data-testid="topbar-status"' in admin.get("/").content.decode()
    _on(demo, dt.date(2026, 3, 5))
    runner.run(demo)
    html = admin.get("/").content.decode()
    assert "2026-03-05" in html and "bg-green-lt" in html
