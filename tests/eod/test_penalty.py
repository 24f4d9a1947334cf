"""Penalty interest (罚息) through the end of day, worked by hand.

Every loan here: 1000.00 at 12 % over 3 months, equal instalments of 340.02, booked 2026-01-31.
Instalment 1 falls due 2026-02-28: interest 10.00, principal 330.02. Instalment 2 falls due 03-31:
interest 669.98 × 1 % = 6.70, principal 333.32. The default product marks the rate up by 50 %:
penalty rate 12 % × 1.5 = 18 % a year (under the 24 % cap), ACT/365.

    one day on 330.02 = 330.02 × 0.18 / 365 = 0.16275 → 0.16
    one day on 333.32 = 333.32 × 0.18 / 365 = 0.16438 → 0.16
    one day on 140.02 = 140.02 × 0.18 / 365 = 0.06905 → 0.07
"""

import datetime as dt
from decimal import Decimal as D

import pytest

from postloan.eod import runner
from postloan.eod.models import BucketTransition, LoanDelinquency
from postloan.platform.models import Role
from postloan.servicing import services
from postloan.servicing.models import ApprovalLimit, Instalment


@pytest.fixture
def book(demo, user_of):  # type: ignore[no-untyped-def]
    admin, agent = user_of("admin"), user_of("agent")

    def make(code: str, **config):  # type: ignore[no-untyped-def]
        product = services.save_product(
            actor=admin,
            institution=demo,
            code=code,
            name=code,
            config={"term": 3, "annual_rate": "0.12", **config},
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
            disbursed_on=dt.date(2026, 1, 31),
        )

    return make


def _on(demo, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    demo.business_date = day
    demo.save()


def _penalty(loan, period: int = 1):  # type: ignore[no-untyped-def]
    row = Instalment.objects.get(loan=loan, period=period)
    return row.penalty_due, row.penalty_pending


def _pay(loan, user_of, amount: str, value_date: dt.date):  # type: ignore[no-untyped-def]
    return services.post_repayment(
        actor=user_of("agent"), loan=loan, amount=D(amount), value_date=value_date, channel="online"
    )


def test_daily_penalty_across_a_month_end(demo, book):
    loan = book("daily")
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo, until=dt.date(2026, 3, 5))
    assert _penalty(loan) == (D("0.80"), D("0"))  # 03-01..03-05: 5 days × 0.16, none on the due date
    runner.run(demo, until=dt.date(2026, 4, 2))
    # instalment 1: 03-01..04-02 = 33 days × 0.16; instalment 2: 04-01, 04-02 = 2 × 0.16
    assert _penalty(loan, 1) == (D("5.28"), D("0"))
    assert _penalty(loan, 2) == (D("0.32"), D("0"))
    state = LoanDelinquency.objects.get(loan=loan)
    assert state.dpd == 33 and state.bucket == "M2"  # 04-02 − 02-28
    assert state.overdue_total == D("685.64")  # (340.02 + 5.28) + (340.02 + 0.32)


def test_grace_partial_payment_then_penalty_from_the_due_date(demo, book, user_of):
    loan = book("grace", grace_days=3)
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo, until=dt.date(2026, 3, 1))
    assert _penalty(loan) == (D("0"), D("0.16"))  # day 1 of grace: held, not due
    _pay(loan, user_of, "200.00", dt.date(2026, 3, 2))  # interest 10.00, principal 190.00 → 140.02 open
    runner.run(demo)  # 03-02: 140.02 → 0.07 held
    assert _penalty(loan) == (D("0"), D("0.23"))
    assert LoanDelinquency.objects.get(loan=loan).dpd == 0
    runner.run(demo)  # 03-03, the last day of grace, still open: 0.16 + 0.07 + 0.07 becomes due
    assert _penalty(loan) == (D("0.30"), D("0"))
    runner.run(demo)  # 03-04
    assert _penalty(loan) == (D("0.37"), D("0"))
    assert LoanDelinquency.objects.get(loan=loan).dpd == 4  # 0 → G + 1


def test_paid_within_grace_owes_no_penalty(demo, book, user_of):
    loan = book("ontime", grace_days=3)
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo, until=dt.date(2026, 3, 2))
    assert _penalty(loan) == (D("0"), D("0.32"))
    _pay(loan, user_of, "340.02", dt.date(2026, 3, 3))
    runner.run(demo, until=dt.date(2026, 3, 6))
    assert _penalty(loan) == (D("0"), D("0"))  # counted as on time: the held 0.32 is dropped
    assert not BucketTransition.objects.filter(loan=loan).exists()


def test_day_count_360_and_compounding(demo, book):
    a360 = book("a360", day_count=360)  # 330.02 × 0.18 / 360 = 0.16501 → 0.17
    compound = book("cmp", compound_penalty=True)  # (330.02 + 10.00) × 0.18 / 365 = 0.16768 → 0.17
    capped = book("cap", annual_rate="0.20")  # 20 % × 1.5 = 30 % → capped at 24 %
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo, until=dt.date(2026, 3, 3))
    assert _penalty(a360) == (D("0.51"), D("0"))  # 3 days
    assert _penalty(compound) == (D("0.51"), D("0"))
    # 20 %: A = 344.51, interest 16.67, principal 327.84; 327.84 × 0.24 / 365 = 0.21557 → 0.22 a day
    # (uncapped 30 % would give 0.26946 → 0.27)
    assert _penalty(capped) == (D("0.66"), D("0"))


def test_backdated_payment_equals_an_on_time_one(demo, book, user_of):
    """FINERACT-513: a payment booked late must leave exactly what it would have, had it been booked
    on its value date: penalty, DPD and bucket history, classification."""
    on_time, late = book("ontime2"), book("late2")
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo, until=dt.date(2026, 3, 4))
    _pay(on_time, user_of, "341.00", dt.date(2026, 3, 5))  # booked on its value date
    runner.run(demo, until=dt.date(2026, 3, 10))
    assert _penalty(late) == (D("1.60"), D("0"))  # 03-01..03-10: 10 × 0.16, DPD 10
    assert LoanDelinquency.objects.get(loan=late).dpd == 10
    _pay(late, user_of, "341.00", dt.date(2026, 3, 5))  # booked on 03-11, value date 03-05

    # 03-01..03-04 accrued 4 × 0.16 = 0.64; the 341.00 pays penalty 0.64, interest 10.00, principal
    # 330.02, and 0.34 ahead on instalment 2's interest; nothing accrues after.
    for loan in (on_time, late):
        row = Instalment.objects.get(loan=loan, period=1)
        assert (row.penalty_due, row.penalty_paid, row.principal_paid) == (D("0.64"), D("0.64"), D("330.02"))
        assert Instalment.objects.get(loan=loan, period=2).interest_paid == D("0.34")

    def history(loan):  # type: ignore[no-untyped-def]
        return list(
            BucketTransition.objects.filter(loan=loan)
            .order_by("business_date")
            .values_list("business_date", "from_bucket", "to_bucket", "dpd", "to_class")
        )

    assert (
        history(late)
        == history(on_time)
        == [
            (dt.date(2026, 3, 1), "M0", "M1", 1, "special_mention"),
            (dt.date(2026, 3, 5), "M1", "M0", 0, "normal"),
        ]
    )
    state = LoanDelinquency.objects.get(loan=late)
    assert (state.as_of, state.dpd, state.bucket, state.classification) == (
        dt.date(2026, 3, 10),
        0,
        "M0",
        "normal",
    )
    runner.run(demo)  # 03-11: the two loans stay identical
    assert _penalty(late) == _penalty(on_time) and history(late) == history(on_time)


def test_reversal_restores_penalty(demo, book, user_of):
    loan = book("rev")
    _on(demo, dt.date(2026, 2, 28))
    runner.run(demo, until=dt.date(2026, 3, 2))
    payment = _pay(loan, user_of, "340.02", dt.date(2026, 3, 1))  # pays 0.16 penalty first
    runner.run(demo, until=dt.date(2026, 3, 4))
    services.reverse_repayment(actor=user_of("agent"), repayment=payment, reason="bounced")
    assert _penalty(loan) == (D("0.64"), D("0"))  # 03-01..03-04, as if never paid
    assert LoanDelinquency.objects.get(loan=loan).dpd == 4


def test_ledger_changes_wait_while_the_date_is_being_closed(demo, book, user_of):
    from django.core.exceptions import ValidationError

    loan = book("busy")
    _on(demo, dt.date(2026, 3, 2))
    with pytest.raises(KeyboardInterrupt):
        runner.run_date(demo, dt.date(2026, 3, 2), crash_after=1)
    with pytest.raises(ValidationError, match="日终批处理正在运行"):
        _pay(loan, user_of, "10.00", dt.date(2026, 3, 2))
    ApprovalLimit.objects.create(
        role=Role.objects.get(code="collection_manager"), kind="write_off", max_amount=D("100000.00")
    )
    write_off = services.request_adjustment(actor=user_of("agent"), loan=loan, kind="write_off", reason="x")
    with pytest.raises(ValidationError, match="日终批处理正在运行"):
        services.decide_adjustment(actor=user_of("manager"), adjustment=write_off, approve=True)
    loan.refresh_from_db()
    assert loan.status == "active"
    runner.run(demo)  # resumes and closes 03-02
    _pay(loan, user_of, "10.00", dt.date(2026, 3, 3))
    services.decide_adjustment(actor=user_of("manager"), adjustment=write_off, approve=True)
    loan.refresh_from_db()
    assert loan.status == "written_off"


def test_a_closed_date_set_back_by_hand_is_not_charged_twice(demo, book, user_of):
    from postloan.platform import services as platform

    loan = book("twice")
    _on(demo, dt.date(2026, 3, 1))
    runner.run(demo, until=dt.date(2026, 3, 2))
    assert _penalty(loan) == (D("0.32"), D("0"))  # 03-01, 03-02
    demo = platform.set_business_date(
        actor=user_of("admin"), institution=demo, new_date=dt.date(2026, 3, 2), reason="纠正营业日期"
    )
    runner.run(demo, rerun=True)  # 03-02 again: already in the ledger
    assert _penalty(loan) == (D("0.32"), D("0"))
    demo.refresh_from_db()
    runner.run(demo)  # 03-03 is new
    assert _penalty(loan) == (D("0.48"), D("0"))
