"""Delinquency rules by hand (PRODUCT.md): buckets, five-tier floors, credit cards, staging."""

import pytest

from postloan.eod.domain.rules import bucket, classify, ifrs9_stage
from postloan.servicing.domain.product import DEFAULT_BUCKETS


@pytest.mark.parametrize(
    ("dpd", "expected"),
    [
        (0, "M0"),
        (1, "M1"),
        (30, "M1"),
        (31, "M2"),
        (90, "M3"),
        (91, "M4"),
        (180, "M6"),
        (181, "M7+"),
        (999, "M7+"),
    ],
)
def test_default_buckets(dpd, expected):
    assert bucket(dpd, DEFAULT_BUCKETS) == expected


@pytest.mark.parametrize(
    ("dpd", "loan", "card"),
    [
        (0, "normal", "normal"),
        (1, "special_mention", "special_mention"),
        (90, "special_mention", "special_mention"),
        (91, "substandard", "substandard"),
        (121, "substandard", "doubtful"),
        (181, "substandard", "loss"),
        (271, "doubtful", "loss"),
        (361, "loss", "loss"),
    ],
)
def test_five_tier_floors(dpd, loan, card):
    assert classify(dpd) == loan
    assert classify(dpd, rule_set="credit_card") == card


def test_restructured_and_override():
    assert classify(0, restructured=True, in_observation=True) == "special_mention"
    assert classify(0, restructured=True, in_observation=False) == "normal"
    assert classify(95, override="doubtful") == "doubtful"
    assert classify(95, override="normal") == "substandard"  # an override never improves on the floor


@pytest.mark.parametrize(("dpd", "stage"), [(0, 1), (30, 1), (31, 2), (90, 2), (91, 3)])
def test_ifrs9_stage(dpd, stage):
    assert ifrs9_stage(dpd) == stage


def test_upgrade_out_of_npl_needs_six_months_and_two_periods():
    import datetime as dt

    from postloan.eod.domain.rules import DayInput, day_class

    cured = dt.date(2026, 3, 6)
    held = DayInput(prior_class="substandard", cured_on=cured, dues_since_cure=6)
    assert day_class(0, dt.date(2026, 9, 5), held) == "substandard"  # 6 months end on 09-06
    assert day_class(0, dt.date(2026, 9, 6), held) == "normal"
    one_due = DayInput(prior_class="substandard", cured_on=cured, dues_since_cure=1)  # e.g. a quarterly loan
    assert day_class(0, dt.date(2026, 9, 6), one_due) == "substandard"
    assert day_class(0, dt.date(2027, 1, 1), DayInput(prior_class="doubtful", cured_on=None)) == "doubtful"
    # within the non-performing tiers the rules never improve a held class either
    assert day_class(95, dt.date(2026, 9, 6), DayInput(prior_class="doubtful", cured_on=cured)) == "doubtful"
    # a performing prior class simply follows the floor
    assert day_class(0, dt.date(2026, 3, 7), DayInput(prior_class="special_mention")) == "normal"


def test_override_only_makes_the_class_worse():
    import datetime as dt

    from postloan.eod.domain.rules import DayInput, day_class

    day = dt.date(2026, 3, 5)
    assert day_class(5, day, DayInput(override="doubtful")) == "doubtful"
    assert day_class(300, day, DayInput(override="special_mention")) == "doubtful"  # floor wins


def test_ecl_table_parsing_and_integer_rounding():
    from postloan.eod.domain import ecl
    from postloan.platform.domain.runtime_settings import SettingError

    table = ecl.parse(ecl.DEFAULT_TABLE)
    assert ecl.rates(table, 2, "M2") == (3000, 4500)
    assert ecl.rates(table, 2, "M7+") == (3000, 4500)  # falls back to 2/*
    assert ecl.rates(table, 3, "M7+") == (10000, 8000)
    # EAD 1010.16 × PD 1 × LGD 0.60 = 606.096 → 606.10; 333.33 × 0.015 × 0.45 = 2.2499775 → 2.25
    assert ecl.ecl_fen(101016, 10000, 6000) == 60610
    assert ecl.ecl_fen(33333, 150, 4500) == 225
    for bad in (["1/*/0.02"], ["4/*/0.1/0.1"], ["1/*/1.5/0.4", "2/*/0.1/0.1", "3/*/1/1"], ["1/M1/0.1/0.1"]):
        with pytest.raises(SettingError):
            ecl.parse(bad)
