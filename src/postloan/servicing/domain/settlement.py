"""Early settlement (提前结清): the quote and the collapse of the schedule into one payoff instalment.

Quote at date D = everything due on or before D + all principal not yet due + interest accrued on
that principal from the start of the current period to D (daily, by the product's day count, never
more than the period's scheduled interest) + the product's settlement fee on the principal repaid early.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from postloan.servicing.domain.dates import add_months
from postloan.servicing.domain.ledger import Ledger, Terms, set_remaining
from postloan.servicing.domain.money import ZERO, q


@dataclass(frozen=True)
class Quote:
    as_of: dt.date
    due_now: Decimal  # overdue and due-today amounts, all components
    principal_not_due: Decimal
    accrued_interest: Decimal
    settlement_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.due_now + self.principal_not_due + self.accrued_interest + self.settlement_fee


def quote(
    ledger: Ledger, terms: Terms, as_of: dt.date, *, day_count_base: int, fee_rate: Decimal = ZERO
) -> Quote:
    due_now = ledger.due_outstanding(as_of)
    future = sorted((i for i in ledger.instalments if i.due_date > as_of), key=lambda i: i.period)
    principal = sum((i.outstanding("principal") for i in future), ZERO)
    accrued = ZERO
    if future and principal > 0:
        current = future[0]
        period_start = add_months(terms.start, current.period - 1)
        days = max((as_of - period_start).days, 0)
        accrued = min(
            q(principal * terms.annual_rate * days / day_count_base), current.outstanding("interest")
        )
    return Quote(as_of, due_now, principal, accrued, q(principal * fee_rate))


def collapse_for_settlement(ledger: Ledger, settlement: Quote) -> None:
    """Turn the not-yet-due instalments into one instalment due on the quote date carrying the
    remaining principal, the accrued interest and the fee; later interest is never charged."""
    future = sorted((i for i in ledger.instalments if i.due_date > settlement.as_of), key=lambda i: i.period)
    if not future:
        return
    head = future[0]
    head.due_date = settlement.as_of
    # What was paid ahead on the running instalment stays paid; it now owes the rest of the principal
    # and the interest accrued this period.
    set_remaining(head, settlement.principal_not_due, ZERO)
    head.due["interest"] = head.paid["interest"] + head.waived["interest"] + settlement.accrued_interest
    head.due["fee"] += settlement.settlement_fee
    for inst in future[1:]:
        set_remaining(inst, ZERO, ZERO)
