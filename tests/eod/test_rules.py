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
