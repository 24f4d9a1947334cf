"""Delinquency rules from PRODUCT.md, as plain functions over one loan's figures.

The batch applies the same thresholds as column expressions; these functions are the readable
reference the tests check by hand, and what on-demand screens use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from postloan.servicing.domain.dates import add_months

# Five-tier classification (五级分类), worst last.
CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")  # 正常 关注 次级 可疑 损失
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}

OBSERVATION_DAYS = 182  # a restructured loan stays at least 关注 for six months

# Provision coefficients by class (PRODUCT.md defaults).
PROVISION_RATES = {
    "normal": Decimal("0.015"),
    "special_mention": Decimal("0.03"),
    "substandard": Decimal("0.30"),
    "doubtful": Decimal("0.60"),
    "loss": Decimal("1.00"),
}


def provision_fen(outstanding_principal_fen: int, cls: str) -> int:
    """Outstanding principal × the class coefficient, half-up to the fen, in integers."""
    per_mille = int(PROVISION_RATES[cls] * 1000)
    return (2 * outstanding_principal_fen * per_mille + 1000) // 2000


def bucket(dpd: int, table: Sequence[Sequence]) -> str:
    """The bucket label whose [from, to] range holds `dpd` (the last row is open-ended)."""
    for label, low, high in table:
        if dpd >= int(low) and (high is None or dpd <= int(high)):
            return str(label)
    return str(table[-1][0])


def classification_floor(dpd: int, rule_set: str = "standard") -> str:
    """The lowest class the DPD allows. Loans: any overdue → 关注, >90 → 次级, >270 → 可疑,
    >360 → 损失. Credit cards (2011 rules art. 92): 1–90 关注, 91–120 次级, 121–180 可疑, >180 损失."""
    if rule_set == "credit_card":
        steps = ((180, "loss"), (120, "doubtful"), (90, "substandard"), (0, "special_mention"))
    else:
        steps = ((360, "loss"), (270, "doubtful"), (90, "substandard"), (0, "special_mention"))
    for threshold, cls in steps:
        if dpd > threshold:
            return cls
    return "normal"


def classify(
    dpd: int,
    *,
    rule_set: str = "standard",
    restructured: bool = False,
    in_observation: bool = False,
    override: str | None = None,
) -> str:
    """Class from the DPD floor, raised to 关注 for a restructured loan still in its observation
    period; a manual override can only make the class worse, never better than the floor."""
    cls = classification_floor(dpd, rule_set)
    if restructured and in_observation and CLASS_INDEX[cls] < CLASS_INDEX["special_mention"]:
        cls = "special_mention"
    if override and CLASS_INDEX[override] > CLASS_INDEX[cls]:
        cls = override
    return cls


def ifrs9_stage(dpd: int, cls: str = "normal") -> int:
    """Stage 2 at more than 30 DPD (significant increase in credit risk), stage 3 at more than 90 or
    while the loan is classified non-performing (credit-impaired)."""
    by_dpd = 3 if dpd > 90 else 2 if dpd > 30 else 1
    return 3 if CLASS_INDEX[cls] >= NPL_FROM else by_dpd


NPL_FROM = CLASS_INDEX["substandard"]  # 次级 and worse are non-performing (不良)
UPGRADE_MONTHS = 6
UPGRADE_PERIODS = 2


def upgrade_allowed(dpd: int, as_of: dt.date, cured_on: dt.date | None, dues_since_cure: int) -> bool:
    """A non-performing loan may move up only once its arrears are cleared and it has then paid at
    least 2 periods and 6 months, whichever is longer (2023 风险分类办法 art. 23): no DPD today, 6
    months since the cure, and at least 2 due dates fallen (and so paid) since it."""
    return (
        dpd == 0
        and cured_on is not None
        and add_months(cured_on, UPGRADE_MONTHS) <= as_of
        and dues_since_cure >= UPGRADE_PERIODS
    )


@dataclass(frozen=True)
class DayInput:
    """What one loan's classification on one business date depends on besides its DPD."""

    rule_set: str = "standard"
    in_observation: bool = False  # restructured within the observation period
    prior_class: str = "normal"  # the class at the end of the previous business date
    cured_on: dt.date | None = None  # when DPD last went back to 0
    dues_since_cure: int = 0
    override: str | None = None  # an approved manual classification in effect


def day_class(dpd: int, as_of: dt.date, given: DayInput) -> str:
    """The rules' class (floor, restructure observation), held at a non-performing prior class until
    the upgrade conditions hold, then worsened by a manual override."""
    cls = classify(dpd, rule_set=given.rule_set, restructured=True, in_observation=given.in_observation)
    prior = CLASS_INDEX[given.prior_class]
    held = prior >= NPL_FROM and CLASS_INDEX[cls] < prior
    if held and not upgrade_allowed(dpd, as_of, given.cured_on, given.dues_since_cure):
        cls = given.prior_class
    if given.override and CLASS_INDEX[given.override] > CLASS_INDEX[cls]:
        cls = given.override
    return cls
