"""Schedules: worked examples computed by hand from PRODUCT.md's formulas, and properties."""

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postloan.servicing.domain.dates import add_months
from postloan.servicing.domain.schedule import Method, ScheduleError, generate


def _cols(rows):  # type: ignore[no-untyped-def]
    return [
        (r.due_date.isoformat(), str(r.principal), str(r.interest), str(r.payment), str(r.remaining))
        for r in rows
    ]


def test_month_end_roll_and_leap_year():
    start = dt.date(2026, 1, 31)
    assert [add_months(start, k) for k in (1, 2, 3, 13)] == [
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2027, 2, 28),
    ]
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_equal_installment_by_hand():
    # P=1000, annual 12% → r=0.01, n=3: (1.01)^3 = 1.030301
    # A = 1000 × 0.01 × 1.030301 / 0.030301 = 340.0221… → 340.02
    # 1: i = 1000 × 0.01 = 10.00, p = 330.02, B = 669.98
    # 2: i = 669.98 × 0.01 = 6.6998 → 6.70, p = 333.32, B = 336.66
    # 3 (last): i = 3.3666 → 3.37, p = 336.66 (the rest), payment 340.03
    rows = generate(
        principal=D("1000"),
        annual_rate=D("0.12"),
        term=3,
        method=Method.EQUAL_INSTALLMENT,
        start=dt.date(2026, 1, 31),
    )
    assert _cols(rows) == [
        ("2026-02-28", "330.02", "10.00", "340.02", "669.98"),
        ("2026-03-31", "333.32", "6.70", "340.02", "336.66"),
        ("2026-04-30", "336.66", "3.37", "340.03", "0.00"),
    ]


def test_equal_principal_by_hand():
    # p = 1000/3 = 333.33 (last 333.34); i: 10.00, 666.67 × 0.01 = 6.67, 333.34 × 0.01 = 3.33
    rows = generate(
        principal=D("1000"),
        annual_rate=D("0.12"),
        term=3,
        method="equal_principal",
        start=dt.date(2026, 1, 15),
    )
    assert _cols(rows) == [
        ("2026-02-15", "333.33", "10.00", "343.33", "666.67"),
        ("2026-03-15", "333.33", "6.67", "340.00", "333.34"),
        ("2026-04-15", "333.34", "3.33", "336.67", "0.00"),
    ]


def test_interest_only_and_bullet_by_hand():
    io = generate(
        principal=D("1000"), annual_rate=D("0.12"), term=3, method="interest_only", start=dt.date(2026, 1, 15)
    )
    assert [(str(r.principal), str(r.interest)) for r in io] == [
        ("0.00", "10.00"),
        ("0.00", "10.00"),
        ("1000.00", "10.00"),
    ]
    bullet = generate(
        principal=D("1000"), annual_rate=D("0.12"), term=3, method="bullet", start=dt.date(2026, 1, 15)
    )
    # 1000 × 0.01 × 3 = 30.00, all at maturity
    assert [(str(r.principal), str(r.interest)) for r in bullet] == [
        ("0.00", "0.00"),
        ("0.00", "0.00"),
        ("1000.00", "30.00"),
    ]


def test_issue_example_120000_over_24_months():
    # r = 0.0435 / 12 = 0.003625; A = 120000 × r(1+r)^24 / ((1+r)^24 − 1) = 5229.7047 → 5229.70
    # 1: i = 120000 × 0.003625 = 435.00, p = 4794.70, B = 115205.30
    # 2: i = 115205.30 × 0.003625 = 417.6192 → 417.62, p = 4812.08, B = 110393.22
    rows = generate(
        principal=D("120000"),
        annual_rate=D("0.0435"),
        term=24,
        method="equal_installment",
        start=dt.date(2026, 1, 31),
    )
    assert _cols(rows[:2]) == [
        ("2026-02-28", "4794.70", "435.00", "5229.70", "115205.30"),
        ("2026-03-31", "4812.08", "417.62", "5229.70", "110393.22"),
    ]
    assert rows[-1].due_date == dt.date(2028, 1, 31)
    assert sum(r.principal for r in rows) == D("120000")


def test_zero_rate_and_bad_input():
    rows = generate(
        principal=D("100"), annual_rate=D("0"), term=3, method="equal_installment", start=dt.date(2026, 1, 1)
    )
    assert [str(r.principal) for r in rows] == ["33.33", "33.33", "33.34"]
    with pytest.raises(ScheduleError):
        generate(principal=D("0"), annual_rate=D("0.1"), term=3, method="bullet", start=dt.date(2026, 1, 1))
    with pytest.raises(ValueError):
        generate(principal=D("10"), annual_rate=D("0.1"), term=3, method="balloon", start=dt.date(2026, 1, 1))


amounts = st.decimals(min_value=D("100"), max_value=D("5000000"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.36"), places=4)


@settings(max_examples=300, deadline=None)
@given(
    principal=amounts,
    rate=rates,
    term=st.integers(1, 120),
    method=st.sampled_from(list(Method)),
    start=st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
)
def test_principal_sums_exactly_and_nothing_negative(principal, rate, term, method, start):
    rows = generate(principal=principal, annual_rate=rate, term=term, method=method, start=start)
    assert sum(r.principal for r in rows) == principal
    assert all(r.principal >= 0 and r.interest >= 0 and r.remaining >= 0 for r in rows)
    assert rows[-1].remaining == 0
    assert all(a.due_date < b.due_date for a, b in itertools.pairwise(rows))
    assert all(r.principal == r.principal.quantize(D("0.01")) for r in rows)
