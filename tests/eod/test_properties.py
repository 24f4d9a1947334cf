"""Properties of the end of day over random portfolios:

- a run killed at a random point and resumed leaves every table exactly as a clean run does;
- payments booked late (backdated, all at once) leave exactly the penalty, DPD, bucket and class
  history that booking each on its value date would have left (the batch's vectorized rules and the
  per-loan replay agree).
"""

import datetime as dt
from decimal import Decimal as D

import polars as pl
import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from postloan.eod import runner
from postloan.eod.models import BucketTransition, EodRun, LoanDelinquency, LoanMonthEnd, PortfolioSnapshot
from postloan.servicing import importing, services
from postloan.servicing.models import Instalment, Loan

START = dt.date(2026, 2, 25)  # first business date run
DISBURSED = dt.date(2025, 10, 31)  # due 11-30, 12-31, ...: some loans cross 90 DPD (non-performing)

loan_spec = st.fixed_dictionaries(
    {
        "principal": st.sampled_from([D("1000.00"), D("2500.50"), D("12000.00")]),
        "rate": st.sampled_from(["0.12", "0.18", "0.2"]),
        "grace": st.sampled_from([0, 3]),
        "method": st.sampled_from(["equal_installment", "equal_principal", "interest_only"]),
        # (day offset from START, amount): payments booked on their value dates
        "payments": st.lists(
            st.tuples(st.integers(0, 20), st.sampled_from([D("50.00"), D("200.00"), D("400.00"), D("3000")])),
            max_size=3,
        ),
    }
)


PHASES = (Phase.explicit, Phase.reuse, Phase.generate)  # no shrinking: an example costs seconds


class _Rollback(Exception):
    pass


def _book(demo, user_of, specs):  # type: ignore[no-untyped-def]
    admin, agent = user_of("admin"), user_of("agent")
    loans = []
    for n, spec in enumerate(specs):
        product = services.save_product(
            actor=admin,
            institution=demo,
            code=f"p{n}",
            name=f"p{n}",
            config={
                "term": 6,
                "annual_rate": spec["rate"],
                "grace_days": spec["grace"],
                "method": spec["method"],
            },
        )
        customer = services.create_customer(actor=agent, institution=demo, customer_no=f"C{n}", name="测试")
        loans.append(
            services.book_loan(
                actor=agent,
                customer=customer,
                product=product,
                loan_no=f"L{n}",
                principal=spec["principal"],
                disbursed_on=DISBURSED,
            )
        )
    return loans


def _pay(user_of, loan, amount, value_date):  # type: ignore[no-untyped-def]
    loan.refresh_from_db()
    if loan.status == Loan.Status.ACTIVE:
        services.post_repayment(
            actor=user_of("agent"), loan=loan, amount=amount, value_date=value_date, channel="online"
        )


def _close_days_paying_on_time(demo, user_of, specs, days):  # type: ignore[no-untyped-def]
    """Book the loans, then close `days` dates from START, each payment booked on its value date."""
    loans = _book(demo, user_of, specs)
    for offset in range(days):
        day = START + dt.timedelta(days=offset)
        for loan, spec in zip(loans, specs, strict=True):
            for when, amount in sorted(spec["payments"]):
                if when == offset:
                    _pay(user_of, loan, amount, day)
        runner.run_date(demo, day)
        demo.refresh_from_db()


def _tables():  # type: ignore[no-untyped-def]
    """Every table the end of day writes, keyed by loan number (ids differ between attempts)."""
    no = dict(Loan.objects.values_list("pk", "loan_no"))

    def rows(model, *fields):  # type: ignore[no-untyped-def]
        return sorted(
            tuple(no.get(v, v) if f == "loan_id" else v for f, v in zip(fields, r, strict=True))
            for r in model.objects.values_list(*fields)
        )

    return {
        "instalments": rows(
            Instalment,
            "loan_id",
            "period",
            "penalty_due",
            "penalty_paid",
            "penalty_pending",
            "principal_paid",
        ),
        "delinquency": rows(
            LoanDelinquency,
            "loan_id",
            "as_of",
            "dpd",
            "bucket",
            "classification",
            "stage",
            "overdue_total",
            "provision",
            "ecl",
        ),
        "transitions": rows(
            BucketTransition, "loan_id", "business_date", "from_bucket", "to_bucket", "to_class", "dpd"
        ),
        "month_ends": rows(LoanMonthEnd, "loan_id", "business_date", "dpd", "bucket", "overdue_total"),
        # summed over partitions: partition numbers follow loan ids, which differ between attempts
        # on databases whose sequences do not roll back
        "snapshots": sorted(
            PortfolioSnapshot.objects.values("business_date", "product_code", "bucket", "classification")
            .annotate(n=Sum("loans"), overdue=Sum("overdue_total"), e=Sum("ecl"))
            .values_list("business_date", "product_code", "bucket", "classification", "n", "overdue", "e")
        ),
    }


def _attempt(demo, work):  # type: ignore[no-untyped-def]
    """Run `work` and return what it leaves, then roll everything back for the next attempt."""
    result = {}
    try:
        with transaction.atomic():
            demo.business_date = START
            demo.eod_closing = None
            demo.save()
            work()
            result = _tables()
            raise _Rollback
    except _Rollback:
        pass
    demo.refresh_from_db()
    return result


@pytest.mark.django_db
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES
)
@given(
    specs=st.lists(loan_spec, min_size=1, max_size=4),
    days=st.integers(3, 20),
    crash_day=st.integers(0, 19),
    crash_after=st.integers(0, 100),
    size=st.integers(1, 3),
)
def test_crash_and_resume_equals_a_clean_run(demo, user_of, specs, days, crash_day, crash_after, size):
    def scenario(crash: bool):  # type: ignore[no-untyped-def]
        def work():  # type: ignore[no-untyped-def]
            loans = _book(demo, user_of, specs)
            for offset in range(days):
                day = START + dt.timedelta(days=offset)
                for loan, spec in zip(loans, specs, strict=True):
                    for when, amount in spec["payments"]:
                        if when == offset:
                            _pay(user_of, loan, amount, day)
                if crash and offset == crash_day % days:
                    steps = len(runner.steps_for(demo)) * -(-len(loans) // size)  # × partitions
                    with pytest.raises(KeyboardInterrupt):
                        runner.run_date(demo, day, partition_size=size, crash_after=1 + crash_after % steps)
                    assert EodRun.objects.get(business_date=day).status == "running"
                runner.run_date(demo, day, partition_size=size)
                demo.refresh_from_db()

        return work

    clean = _attempt(demo, scenario(crash=False))
    crashed = _attempt(demo, scenario(crash=True))
    assert crashed == clean


@pytest.mark.django_db
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES
)
@given(specs=st.lists(loan_spec, min_size=1, max_size=3), days=st.integers(5, 20))
def test_backdated_payments_equal_on_time_ones(demo, user_of, specs, days):
    last = START + dt.timedelta(days=days - 1)

    def on_time():  # type: ignore[no-untyped-def]
        _close_days_paying_on_time(demo, user_of, specs, days)

    def late():  # type: ignore[no-untyped-def]
        loans = _book(demo, user_of, specs)
        runner.run(demo, until=last)  # nothing paid yet
        for loan, spec in zip(loans, specs, strict=True):
            for when, amount in sorted(spec["payments"]):
                if when < days:
                    _pay(user_of, loan, amount, START + dt.timedelta(days=when))  # booked after `last`

    expected, actual = _attempt(demo, on_time), _attempt(demo, late)
    for table in ("instalments", "transitions", "delinquency"):
        assert actual[table] == expected[table], table


# Payments small enough that none settles a loan (a file would otherwise pay a loan already settled).
small_payments = loan_spec.map(
    lambda s: {**s, "payments": [(w, a) for w, a in s["payments"] if a <= D("200.00")]}
)


@pytest.mark.django_db
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES
)
@given(specs=st.lists(small_payments, min_size=2, max_size=4), days=st.integers(5, 20))
def test_a_backdated_payment_file_equals_payments_on_time(demo, user_of, specs, days):
    """The bulk path: one imported file of late payments for many loans restates them all at once."""
    last = START + dt.timedelta(days=days - 1)

    def on_time():  # type: ignore[no-untyped-def]
        _close_days_paying_on_time(demo, user_of, specs, days)

    def late_file():  # type: ignore[no-untyped-def]
        loans = _book(demo, user_of, specs)
        runner.run(demo, until=last)
        demo.refresh_from_db()
        rows = [
            (
                f"X-{loan.loan_no}-{k}",
                loan.loan_no,
                f"{amount}",
                f"{START + dt.timedelta(days=when)}",
                "online",
            )
            for loan, spec in zip(loans, specs, strict=True)
            for k, (when, amount) in enumerate(sorted(spec["payments"]))
            if when < days
        ]
        frame = pl.DataFrame(
            rows, schema=["external_id", "loan_no", "amount", "value_date", "channel"], orient="row"
        )
        batch = importing.import_frame(
            actor=user_of("admin"), institution=demo, entity="repayments", frame=frame, name="late.csv"
        )
        assert batch.rejected == 0 and batch.inserted == len(rows)

    expected, actual = _attempt(demo, on_time), _attempt(demo, late_file)
    for table in ("instalments", "transitions", "delinquency", "month_ends"):
        assert actual[table] == expected[table], table
