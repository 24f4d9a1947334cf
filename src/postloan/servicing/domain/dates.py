"""Due-date arithmetic: monthly periods anchored on the start day, clamped to month ends."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(start: dt.date, months: int) -> dt.date:
    """`add_months(2026-01-31, 1)` is 2026-02-28 and `add_months(2026-01-31, 2)` is 2026-03-31:
    every due date is computed from the anchor, so a short month never drags later ones down."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def days_between(start: dt.date, end: dt.date) -> int:
    return (end - start).days
