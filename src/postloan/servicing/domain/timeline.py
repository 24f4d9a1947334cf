"""Closing business days on one loan's ledger, in order: the per-loan reference of what the daily
batch does to the whole portfolio, used when a ledger is rebuilt by replay.

A replay walks the loan's events in value-date order; before an event dated E it closes every day up
to E − 1 (penalty accrues on the balance at the end of each day), and after the last event it closes
the days up to the last closed business date. Days from `observe_from` on are recorded with their
DPD, which is how a backdated payment rebuilds delinquency history as of its value date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from postloan.servicing.domain.delinquency import days_past_due
from postloan.servicing.domain.ledger import Ledger, Terms
from postloan.servicing.domain.money import ZERO
from postloan.servicing.domain.penalty import accrue_day

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DayState:
    """A loan at the end of a closed business day, as the batch would have seen it."""

    day: dt.date
    dpd: int
    outstanding_principal: Decimal
    overdue_principal: Decimal  # principal of instalments due before the day
    overdue_total: Decimal  # everything open on instalments due before the day
    settled: bool = False  # nothing left to pay: the batch no longer looks at the loan


@dataclass
class Window:
    """Which days a replay closes: penalty from `accrue_from` (None: the loan accrues none yet),
    the loan's state recorded from `observe_from`, both up to `through` (the last closed business date)."""

    through: dt.date
    accrue_from: dt.date | None = None
    observe_from: dt.date | None = None
    history: list[DayState] = field(default_factory=list)  # the days recorded
    cursor: dt.date | None = None  # the next day to close

    def __post_init__(self) -> None:
        starts = [d for d in (self.accrue_from, self.observe_from) if d is not None]
        self.cursor = min(starts) if starts else None


def day_state(ledger: Ledger, day: dt.date, terms: Terms) -> DayState:
    overdue = [i for i in ledger.instalments if i.due_date < day]
    return DayState(
        day=day,
        dpd=days_past_due(
            ((i.due_date, i.total_outstanding()) for i in ledger.instalments),
            day,
            grace_days=terms.grace_days,
            tolerance=terms.tolerance,
        ),
        outstanding_principal=ledger.outstanding_principal(),
        overdue_principal=sum((i.outstanding("principal") for i in overdue), ZERO),
        overdue_total=sum((i.total_outstanding() for i in overdue), ZERO),
        settled=ledger.total_outstanding() == ZERO,
    )


def close_days(ledger: Ledger, window: Window, until: dt.date, terms: Terms) -> None:
    """Close the days from the window's cursor up to `until` (inclusive) and move the cursor on."""
    if window.cursor is None:
        return
    last = min(until, window.through)
    day = window.cursor
    while day <= last:
        if terms.penalty is not None and window.accrue_from is not None and day >= window.accrue_from:
            accrue_day(ledger.instalments, day, terms.penalty)
        if window.observe_from is not None and day >= window.observe_from:
            window.history.append(day_state(ledger, day, terms))
        day += ONE_DAY
    window.cursor = max(window.cursor, last + ONE_DAY)
