"""Restructuring and hardship treatments. Each returns nothing and changes the ledger in place;
the caller stores the result as a new schedule version and flags the loan restructured.

- payment plan: the arrears (everything overdue) are split evenly over the next N instalments;
- term extension: the principal not yet due is re-amortised over the remaining periods plus K;
- rate reduction: the principal not yet due is re-amortised at the new rate;
- capitalisation: the arrears are added to principal and re-amortised over the remaining periods.
Overdue instalments are closed by moving their outstanding amounts, so history keeps what was paid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from postloan.platform.domain.i18n import _
from postloan.servicing.domain.dates import add_months
from postloan.servicing.domain.ledger import (
    COMPONENTS,
    Instalment,
    Ledger,
    PostingError,
    Terms,
    set_remaining,
)
from postloan.servicing.domain.money import ZERO, q
from postloan.servicing.domain.schedule import generate


def _overdue(ledger: Ledger, as_of: dt.date) -> list[Instalment]:
    return [i for i in ledger.instalments if i.due_date <= as_of and i.total_outstanding() > 0]


def _future(ledger: Ledger, as_of: dt.date) -> list[Instalment]:
    return sorted((i for i in ledger.instalments if i.due_date > as_of), key=lambda i: i.period)


def _close_arrears(ledger: Ledger, as_of: dt.date) -> dict[str, Decimal]:
    arrears = dict.fromkeys(COMPONENTS, ZERO)
    for inst in _overdue(ledger, as_of):
        for comp in COMPONENTS:
            out = inst.outstanding(comp)
            arrears[comp] += out
            inst.due[comp] -= out
    return arrears


def _append_periods(ledger: Ledger, terms: Terms, count: int) -> None:
    last = max(i.period for i in ledger.instalments)
    for k in range(1, count + 1):
        period = last + k
        ledger.instalments.append(
            Instalment(period, add_months(terms.start, period), dict.fromkeys(COMPONENTS, ZERO))
        )


def _respread_principal(
    ledger: Ledger, terms: Terms, as_of: dt.date, principal: Decimal, rate: Decimal
) -> None:
    future = _future(ledger, as_of)
    if not future:
        raise PostingError(_("No instalments remain to spread the balance over."))
    tail = {
        r.period: r
        for r in generate(
            principal=principal,
            annual_rate=rate,
            term=len(future),
            method=terms.method,
            start=terms.start,
            first_period=future[0].period,
        )
    }
    for inst in future:
        set_remaining(inst, tail[inst.period].principal, tail[inst.period].interest)


def payment_plan(ledger: Ledger, terms: Terms, as_of: dt.date, periods: int) -> dict[str, Decimal]:
    if periods < 1:
        raise PostingError(_("A payment plan needs at least one period."))
    arrears = _close_arrears(ledger, as_of)
    if not any(arrears.values()):
        raise PostingError(_("The loan has no arrears to spread."))
    missing = periods - len(_future(ledger, as_of))
    if missing > 0:
        _append_periods(ledger, terms, missing)
    targets = _future(ledger, as_of)[:periods]
    for comp, total in arrears.items():
        share = q(total / periods)
        for n, inst in enumerate(targets):
            inst.due[comp] += total - share * (periods - 1) if n == periods - 1 else share
    return arrears


def extend_term(ledger: Ledger, terms: Terms, as_of: dt.date, extra_periods: int) -> None:
    if extra_periods < 1:
        raise PostingError(_("Extend the term by at least one period."))
    principal = sum((i.outstanding("principal") for i in _future(ledger, as_of)), ZERO)
    _append_periods(ledger, terms, extra_periods)
    _respread_principal(ledger, terms, as_of, principal, terms.annual_rate)


def reduce_rate(ledger: Ledger, terms: Terms, as_of: dt.date, new_rate: Decimal) -> Terms:
    if not ZERO <= new_rate < terms.annual_rate:
        raise PostingError(_("The new rate must be lower than the current one and not negative."))
    principal = sum((i.outstanding("principal") for i in _future(ledger, as_of)), ZERO)
    new_terms = replace(terms, annual_rate=new_rate)
    _respread_principal(ledger, new_terms, as_of, principal, new_rate)
    return new_terms


def capitalise(ledger: Ledger, terms: Terms, as_of: dt.date) -> dict[str, Decimal]:
    arrears = _close_arrears(ledger, as_of)
    if not any(arrears.values()):
        raise PostingError(_("The loan has no arrears to capitalise."))
    if not _future(ledger, as_of):
        _append_periods(ledger, terms, 1)
    principal = sum((i.outstanding("principal") for i in _future(ledger, as_of)), ZERO)
    _respread_principal(ledger, terms, as_of, principal + sum(arrears.values(), ZERO), terms.annual_rate)
    return arrears
