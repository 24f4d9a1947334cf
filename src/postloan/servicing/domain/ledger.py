"""The loan ledger in memory: instalments with due / paid / waived amounts per component, and the
posting of repayments by a configurable waterfall.

Components are fee, penalty, interest and principal. The default order (民法典 art. 561) is costs →
interest → principal, oldest instalment first; a product can choose another order and whether the
waterfall runs instalment by instalment ("instalment_first") or component by component across all
due instalments ("component_first"). Money left after every due instalment is either prepaid
principal (the tail is re-amortised) or held as a credit balance, per product.

Reversal is done by replay: the ledger is rebuilt from its base schedule by posting every remaining
repayment in order, so a reversed payment leaves exactly the state it would have had without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from postloan.platform.domain.i18n import _
from postloan.servicing.domain.money import ZERO
from postloan.servicing.domain.penalty import PenaltyTerms
from postloan.servicing.domain.schedule import Method, generate

COMPONENTS = ("fee", "penalty", "interest", "principal")
DEFAULT_ORDER = ("fee", "penalty", "interest", "principal")


class OverpaymentMode(StrEnum):
    PREPAY = "prepay"  # reduce principal, re-amortise the remaining instalments (term unchanged)
    CREDIT = "credit"  # hold as credit on the loan


class AllocationMode(StrEnum):
    INSTALMENT_FIRST = "instalment_first"  # oldest instalment fully, then the next
    COMPONENT_FIRST = "component_first"  # first component across all due instalments, then the next


@dataclass(frozen=True)
class Terms:
    """What the ledger needs from the loan's product version and contract."""

    method: Method
    annual_rate: Decimal
    start: dt.date  # disbursement date: period k falls due on start + k months
    order: tuple[str, ...] = DEFAULT_ORDER
    allocation_mode: AllocationMode = AllocationMode.INSTALMENT_FIRST
    overpayment: OverpaymentMode = OverpaymentMode.PREPAY
    tolerance: Decimal = ZERO  # a shortfall up to this is treated as paid (for DPD, not for money)
    grace_days: int = 0  # days after a due date during which the loan is not yet overdue
    penalty: PenaltyTerms | None = None  # how overdue days accrue penalty interest


@dataclass
class Instalment:
    period: int
    due_date: dt.date
    due: dict[str, Decimal]
    paid: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, ZERO))
    waived: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, ZERO))
    pending: Decimal = ZERO  # penalty held during grace days, not yet due (see domain.penalty)

    def outstanding(self, component: str) -> Decimal:
        return self.due[component] - self.paid[component] - self.waived[component]

    def total_outstanding(self) -> Decimal:
        return sum((self.outstanding(c) for c in COMPONENTS), ZERO)

    def copy(self) -> Instalment:
        return Instalment(
            self.period, self.due_date, dict(self.due), dict(self.paid), dict(self.waived), self.pending
        )


@dataclass(frozen=True)
class Allocation:
    period: int
    component: str
    amount: Decimal


@dataclass(frozen=True)
class Payment:
    key: str  # the repayment's identity (its id or external id)
    amount: Decimal
    value_date: dt.date


@dataclass
class PostingResult:
    payment: Payment
    allocations: list[Allocation]
    prepaid_principal: Decimal = ZERO
    credited: Decimal = ZERO
    reamortised: bool = False


@dataclass
class Ledger:
    instalments: list[Instalment]
    credit: Decimal = ZERO

    def copy(self) -> Ledger:
        return Ledger([i.copy() for i in self.instalments], self.credit)

    def outstanding_principal(self) -> Decimal:
        return sum((i.outstanding("principal") for i in self.instalments), ZERO)

    def total_outstanding(self) -> Decimal:
        return sum((i.total_outstanding() for i in self.instalments), ZERO)

    def due_outstanding(self, as_of: dt.date) -> Decimal:
        return sum((i.total_outstanding() for i in self.instalments if i.due_date <= as_of), ZERO)

    def snapshot(self) -> tuple:
        """A hashable picture of the whole state, for exact comparisons."""
        return (
            self.credit,
            tuple(
                (
                    i.period,
                    i.due_date,
                    tuple(i.due[c] for c in COMPONENTS),
                    tuple(i.paid[c] for c in COMPONENTS),
                    tuple(i.waived[c] for c in COMPONENTS),
                    i.pending,
                )
                for i in self.instalments
            ),
        )


def from_schedule(rows: Iterable) -> Ledger:  # rows of schedule.ScheduledInstalment
    return Ledger(
        [
            Instalment(
                r.period,
                r.due_date,
                {"fee": ZERO, "penalty": ZERO, "interest": r.interest, "principal": r.principal},
            )
            for r in rows
        ]
    )


class PostingError(ValueError):
    """A rule refused the operation. `message` is a msgid (translated where shown) with `params`."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


def _allocate(
    ledger: Ledger, amount: Decimal, eligible: Sequence[Instalment], terms: Terms
) -> tuple[list[Allocation], Decimal]:
    allocations: list[Allocation] = []
    left = amount
    if terms.allocation_mode is AllocationMode.INSTALMENT_FIRST:
        pairs = [(inst, comp) for inst in eligible for comp in terms.order]
    else:
        pairs = [(inst, comp) for comp in terms.order for inst in eligible]
    left = _apply(pairs, left, "paid", allocations)
    return allocations, left


def _apply(
    pairs: Iterable[tuple[Instalment, str]], amount: Decimal, bucket: str, lines: list[Allocation]
) -> Decimal:
    """Fill (instalment, component) slots in order with `amount`, booking into `paid` or `waived`;
    returns what is left."""
    left = amount
    for inst, comp in pairs:
        if left <= 0:
            break
        take = min(left, inst.outstanding(comp))
        if take > 0:
            getattr(inst, bucket)[comp] += take
            left -= take
            lines.append(Allocation(inst.period, comp, take))
    return left


def post(ledger: Ledger, payment: Payment, terms: Terms) -> PostingResult:
    """Apply `payment` to `ledger` in place and say where every fen went."""
    if payment.amount <= 0:
        raise PostingError(_("A repayment must be a positive amount."))
    eligible = sorted(
        (i for i in ledger.instalments if i.due_date <= payment.value_date),
        key=lambda i: (i.due_date, i.period),
    )
    allocations, left = _allocate(ledger, payment.amount, eligible, terms)
    # Paying ahead of a due date pays the instalment currently running (an advance payment), not
    # principal: only money beyond it is an overpayment.
    current = next(
        (
            i
            for i in sorted(ledger.instalments, key=lambda i: (i.due_date, i.period))
            if i.due_date > payment.value_date and i.total_outstanding() > 0
        ),
        None,
    )
    if left > 0 and current is not None:
        advance, left = _allocate(ledger, left, [current], terms)
        allocations.extend(advance)
    result = PostingResult(payment, allocations)
    if left <= 0:
        return result
    if terms.overpayment is OverpaymentMode.CREDIT:
        ledger.credit += left
        result.credited = left
        return result
    future = [
        i
        for i in ledger.instalments
        if i.due_date > payment.value_date and i.outstanding("principal") > 0 and i is not current
    ]
    principal_left = sum((i.outstanding("principal") for i in future), ZERO)
    prepay = min(left, principal_left)
    if prepay > 0:
        _reamortise(ledger, future, principal_left - prepay, terms)
        result.prepaid_principal, result.reamortised = prepay, True
        result.allocations.append(Allocation(future[0].period, "prepayment", prepay))
    if left - prepay > 0:  # more than the whole loan: keep the excess as credit to refund
        ledger.credit += left - prepay
        result.credited = left - prepay
    return result


def set_remaining(inst: Instalment, principal: Decimal, interest: Decimal) -> None:
    """Make `principal` and `interest` what is still owed on `inst`, keeping what was already paid
    (or waived) on it — e.g. an advance payment on the running instalment. Interest already paid for
    the period is never charged twice: the period owes the larger of the two."""
    settled_principal = inst.paid["principal"] + inst.waived["principal"]
    settled_interest = inst.paid["interest"] + inst.waived["interest"]
    inst.due["principal"] = settled_principal + principal
    inst.due["interest"] = max(settled_interest, interest)


def _reamortise(ledger: Ledger, future: list[Instalment], new_balance: Decimal, terms: Terms) -> None:
    """Re-spread `new_balance` over the not-yet-due instalments (same periods, same due dates).

    Convention: the prepayment takes effect from the start of the first future period, whose interest
    is recomputed on the reduced balance. Fees and penalties already on those instalments stay.
    """
    tail = (
        generate(
            principal=new_balance,
            annual_rate=terms.annual_rate,
            term=len(future),
            method=terms.method,
            start=terms.start,
            first_period=future[0].period,
        )
        if new_balance > 0
        else []
    )
    rows = {row.period: row for row in tail}
    for inst in future:
        row = rows.get(inst.period)
        set_remaining(inst, row.principal if row else ZERO, row.interest if row else ZERO)


def replay(base: Ledger, payments: Sequence[Payment], terms: Terms) -> tuple[Ledger, list[PostingResult]]:
    """Rebuild the ledger from `base` by posting `payments` in value-date order (ties keep input order)."""
    ledger = base.copy()
    ordered = sorted(enumerate(payments), key=lambda pair: (pair[1].value_date, pair[0]))
    return ledger, [post(ledger, p, terms) for _, p in ordered]


def apply_waiver(ledger: Ledger, amounts: dict[str, Decimal], as_of: dt.date) -> list[Allocation]:
    """Waive component amounts (减免) from the oldest outstanding instalments first."""
    lines: list[Allocation] = []
    for comp, amount in amounts.items():
        if comp not in COMPONENTS:
            raise PostingError(_("Unknown component %(c)s."), c=comp)
        oldest_first = sorted(ledger.instalments, key=lambda i: (i.due_date, i.period))
        left = _apply([(inst, comp) for inst in oldest_first], amount, "waived", lines)
        if left > 0:
            raise PostingError(_("The waiver of %(a)s %(c)s exceeds what is outstanding."), a=amount, c=comp)
    return lines
