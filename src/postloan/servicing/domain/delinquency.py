"""Days past due (PRODUCT.md "DPD"): at the end of business date D, DPD = D − the earliest due date
not fully paid (0 on the due date itself). A shortfall up to the tolerance counts as paid. Within the
grace period G a loan is not overdue; after it, DPD counts from the original due date (0 → G+1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal


def days_past_due(
    open_items: Iterable[tuple[dt.date, Decimal]],
    as_of: dt.date,
    *,
    grace_days: int = 0,
    tolerance: Decimal = Decimal("0"),
) -> int:
    """`open_items` are (due date, outstanding amount) of instalments."""
    earliest = min((due for due, amount in open_items if amount > tolerance and due <= as_of), default=None)
    if earliest is None:
        return 0
    days = (as_of - earliest).days
    return days if days > grace_days else 0
