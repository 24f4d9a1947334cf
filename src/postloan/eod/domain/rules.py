"""Delinquency rules from PRODUCT.md, as plain functions over one loan's figures.

The batch applies the same thresholds as column expressions; these functions are the readable
reference the tests check by hand, and what on-demand screens use.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

# Five-tier classification (五级分类), worst last.
CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")  # 正常 关注 次级 可疑 损失
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}

# Provision coefficients by class (PRODUCT.md defaults).
PROVISION_RATES = {
    "normal": Decimal("0.015"),
    "special_mention": Decimal("0.03"),
    "substandard": Decimal("0.30"),
    "doubtful": Decimal("0.60"),
    "loss": Decimal("1.00"),
}


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


def ifrs9_stage(dpd: int) -> int:
    """Stage 2 at more than 30 DPD (significant increase in credit risk), stage 3 at more than 90."""
    return 3 if dpd > 90 else 2 if dpd > 30 else 1
