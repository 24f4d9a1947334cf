"""Penalty interest (罚息), one day at a time (PRODUCT.md "Penalty interest").

For every instalment past its due date, each day's penalty is the overdue base at the end of that
day × the penalty rate ÷ the day-count base, rounded half-up to the fen. The base is the instalment's
open principal, plus its open interest when the product compounds (复利). The penalty rate is the
contract rate × (1 + mark-up), at most the product's total-cost cap, kept to 8 decimal places so the
vectorized batch can compute it in exact integers.

Grace days G: the first G days' penalty is held pending. If the instalment is still open (beyond the
tolerance) at the end of its G-th day late, the held amount becomes due with that day (penalty runs
from the day after the due date); otherwise it is dropped: the payment counted as on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from postloan.servicing.domain.money import ZERO

RATE_PLACES = Decimal("0.00000001")
FEN = Decimal("0.01")


@dataclass(frozen=True)
class PenaltyTerms:
    rate: Decimal  # annual penalty rate, already marked up and capped
    day_count: int = 365
    grace_days: int = 0
    tolerance: Decimal = ZERO
    compound: bool = False


class _Instalment(Protocol):
    due_date: dt.date
    due: dict[str, Decimal]
    pending: Decimal

    def outstanding(self, component: str) -> Decimal: ...

    def total_outstanding(self) -> Decimal: ...


def penalty_rate(contract_rate: Decimal, markup: Decimal, cap: Decimal | None) -> Decimal:
    """Contract rate × (1 + mark-up), to 8 places, capped by the total-cost line when there is one."""
    rate = (Decimal(contract_rate) * (1 + Decimal(markup))).quantize(RATE_PLACES, ROUND_HALF_UP)
    return min(rate, Decimal(cap)) if cap is not None else rate


def day_amount(base: Decimal, terms: PenaltyTerms) -> Decimal:
    if base <= 0:
        return ZERO
    return (base * terms.rate / terms.day_count).quantize(FEN, ROUND_HALF_UP)


def accrue_day(instalments: list[_Instalment], day: dt.date, terms: PenaltyTerms) -> Decimal:
    """Accrue `day` on every instalment past due (in place); returns the penalty that became due."""
    booked = ZERO
    for inst in instalments:
        late = (day - inst.due_date).days
        if late <= 0:
            continue
        base = inst.outstanding("principal")
        if terms.compound:
            base += inst.outstanding("interest")
        amount = day_amount(base, terms)
        if late < terms.grace_days:
            inst.pending += amount
        elif late == terms.grace_days:  # the last day of grace decides the held amount
            if inst.total_outstanding() > terms.tolerance:
                booked += inst.pending + amount
                inst.due["penalty"] += inst.pending + amount
            inst.pending = ZERO
        else:
            booked += amount
            inst.due["penalty"] += amount
    return booked
