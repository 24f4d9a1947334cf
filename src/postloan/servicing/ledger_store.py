"""Between the database and the in-memory ledger: load a loan's schedule base and events, replay
them through the domain, and write the resulting state back in bulk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from postloan.servicing.domain import ledger as L
from postloan.servicing.domain import product as P
from postloan.servicing.domain import timeline
from postloan.servicing.domain.money import ZERO
from postloan.servicing.domain.penalty import PenaltyTerms, penalty_rate
from postloan.servicing.domain.schedule import generate
from postloan.servicing.domain.settlement import Quote, collapse_for_settlement
from postloan.servicing.models import Adjustment, Instalment, Loan, Repayment, ScheduleVersion

COMPONENT_FIELDS = {c: (f"{c}_due", f"{c}_paid", f"{c}_waived") for c in L.COMPONENTS}


def terms_for(
    loan: Loan, annual_rate: Decimal | None = None, config: P.ProductConfig | None = None
) -> L.Terms:
    """The loan's terms; pass `config` when it is already parsed (batch callers cache it per version)."""
    config = config or P.from_json(loan.product_version.config)
    return L.Terms(
        method=L.Method(loan.method),
        annual_rate=Decimal(annual_rate if annual_rate is not None else loan.annual_rate),
        start=loan.disbursed_on,
        order=config.allocation_order,
        allocation_mode=L.AllocationMode(config.allocation_mode),
        overpayment=L.OverpaymentMode(config.overpayment),
        tolerance=config.tolerance,
        grace_days=config.grace_days,
        penalty=penalty_terms(loan.annual_rate, config),
    )


def penalty_terms(contract_rate: Decimal, config: P.ProductConfig) -> PenaltyTerms:
    """The penalty terms of a loan whose contract rate is `contract_rate`."""
    return PenaltyTerms(
        rate=penalty_rate(contract_rate, config.penalty_markup, config.cost_cap),
        day_count=config.day_count,
        grace_days=config.grace_days,
        tolerance=config.tolerance,
        compound=config.compound_penalty,
    )


def window_for(
    loan: Loan,
    business_date: dt.date,
    segment_start: dt.date | None = None,
    observe_from: dt.date | None = None,
) -> timeline.Window:
    """The days a replay of `loan` closes: up to the day before the institution's business date;
    penalty from the day the batch first closed for this loan (`penalty_from`, not before the segment
    began); DPD recorded from `observe_from` when a change reaches back into days the batch closed
    (days before the batch first saw the loan hold no state to restate: an imported history)."""
    through = business_date - timeline.ONE_DAY
    accrue_from = loan.penalty_from
    if accrue_from is not None and segment_start is not None:
        accrue_from = max(accrue_from, segment_start)
    if observe_from is not None:
        observe_from = max(observe_from, accrue_from) if accrue_from else None
    if observe_from is not None and observe_from > through:
        observe_from = None
    return timeline.Window(through=through, accrue_from=accrue_from, observe_from=observe_from)


def ledger_to_json(ledger: L.Ledger) -> dict[str, Any]:
    return {
        "credit": str(ledger.credit),
        "instalments": [
            {
                "period": i.period,
                "due_date": i.due_date.isoformat(),
                "due": {c: str(v) for c, v in i.due.items()},
                "paid": {c: str(v) for c, v in i.paid.items()},
                "waived": {c: str(v) for c, v in i.waived.items()},
                "pending": str(i.pending),
            }
            for i in ledger.instalments
        ],
    }


def ledger_from_json(data: dict[str, Any]) -> L.Ledger:
    return L.Ledger(
        [
            L.Instalment(
                row["period"],
                dt.date.fromisoformat(row["due_date"]),
                {c: Decimal(v) for c, v in row["due"].items()},
                {c: Decimal(v) for c, v in row["paid"].items()},
                {c: Decimal(v) for c, v in row["waived"].items()},
                Decimal(row.get("pending", "0")),
            )
            for row in data["instalments"]
        ],
        Decimal(data["credit"]),
    )


def booking_ledger(loan: Loan) -> L.Ledger:
    """The schedule the loan was booked with, regenerated from its terms (deterministic)."""
    return L.from_schedule(
        generate(
            principal=loan.principal,
            annual_rate=loan.annual_rate,
            term=loan.term,
            method=loan.method,
            start=loan.disbursed_on,
        )
    )


def current_ledger(loan: Loan) -> L.Ledger:
    rows = Instalment.objects.filter(loan=loan).order_by("period")
    return L.Ledger(
        [
            L.Instalment(
                r.period,
                r.due_date,
                {c: getattr(r, f[0]) for c, f in COMPONENT_FIELDS.items()},
                {c: getattr(r, f[1]) for c, f in COMPONENT_FIELDS.items()},
                {c: getattr(r, f[2]) for c, f in COMPONENT_FIELDS.items()},
                r.penalty_pending,
            )
            for r in rows
        ],
        loan.credit_balance,
    )


@dataclass
class Event:
    """A repayment or an approved waiver in replay order."""

    date: dt.date
    seq: int
    repayment: Repayment | None = None
    adjustment: Adjustment | None = None


def segment_events(
    loan: Loan, *, extra: list[Event] | None = None, exclude_repayment: int | None = None
) -> list[Event]:
    repayments = Repayment.objects.filter(
        loan=loan, status=Repayment.Status.POSTED, segment_version=loan.schedule_version
    )
    waivers = Adjustment.objects.filter(
        loan=loan,
        kind=Adjustment.Kind.WAIVER,
        status=Adjustment.Status.APPROVED,
        segment_version=loan.schedule_version,
    )
    events = [Event(r.value_date, r.pk, repayment=r) for r in repayments if r.pk != exclude_repayment]
    events += [Event(a.decided_on, a.pk, adjustment=a) for a in waivers]
    events += extra or []
    return order_events(events)


def replay(
    loan: Loan, events: list[Event], observe_from: dt.date | None = None
) -> tuple[L.Ledger, dict[int, L.PostingResult], timeline.Window]:
    """Rebuild the loan's ledger from its current schedule base and `events`, closing the business
    days already closed (penalty accrual; DPD history from `observe_from`)."""
    version = ScheduleVersion.objects.get(loan=loan, version=loan.schedule_version)
    window = window_for(loan, loan.institution.business_date, segment_start(version), observe_from)
    ledger, results = replay_events(segment_base(loan, version.base), terms_for(loan), events, window)
    return ledger, results, window


def segment_start(version: ScheduleVersion) -> dt.date | None:
    """The first day a segment's own replay closes: a restructure base already holds the days before."""
    return None if version.base is None else version.created_on


def segment_base(loan: Loan, base_json: dict[str, Any] | None) -> L.Ledger:
    """The ledger a segment starts from: the stored base of a restructure, or for a booking version
    the schedule regenerated from the loan's terms."""
    return ledger_from_json(base_json) if base_json is not None else booking_ledger(loan)


def replay_events(
    base: L.Ledger, terms: L.Terms, events: list[Event], window: timeline.Window | None = None
) -> tuple[L.Ledger, dict[int, L.PostingResult]]:
    """Post `events` (already in order) over `base`, closing the window's days between them; each
    repayment model instance gets its allocation lines, each waiver its waived lines. Results are
    keyed by the Python id of the repayment."""
    ledger = base
    results: dict[int, L.PostingResult] = {}
    for event in events:
        if window is not None:
            timeline.close_days(ledger, window, event.date - timeline.ONE_DAY, terms)
        if event.adjustment is not None:
            amounts = {c: Decimal(v) for c, v in event.adjustment.amounts.items()}
            lines = L.apply_waiver(ledger, amounts, event.date)
            event.adjustment.lines = [[a.period, a.component, str(a.amount)] for a in lines]
            continue
        repayment = event.repayment
        assert repayment is not None
        if repayment.settlement:
            s = repayment.settlement
            collapse_for_settlement(
                ledger,
                Quote(
                    dt.date.fromisoformat(s["as_of"]),
                    Decimal(s["due_now"]),
                    Decimal(s["principal_not_due"]),
                    Decimal(s["accrued_interest"]),
                    Decimal(s["settlement_fee"]),
                ),
            )
        result = L.post(ledger, L.Payment(str(repayment.pk), repayment.amount, repayment.value_date), terms)
        repayment.allocations = [[a.period, a.component, str(a.amount)] for a in result.allocations]
        repayment.prepaid_principal, repayment.credited = result.prepaid_principal, result.credited
        results[id(repayment)] = result
    if window is not None:
        timeline.close_days(ledger, window, window.through, terms)
    if ledger.total_outstanding() == ZERO:
        # Paid off: every held grace penalty would be dropped at its decision day, and the batch no
        # longer looks at the loan, so drop it now.
        for inst in ledger.instalments:
            inst.pending = ZERO
    return ledger, results


def order_events(events: list[Event]) -> list[Event]:
    # Value-date order; on the same day waivers first (they are decided against that day's dues),
    # then repayments in posting order.
    return sorted(events, key=lambda e: (e.date, 0 if e.adjustment else 1, e.seq))


def settle_status(loan: Loan, ledger: L.Ledger) -> None:
    loan.credit_balance = ledger.credit
    if ledger.total_outstanding() == ZERO and loan.status == Loan.Status.ACTIVE:
        loan.status = Loan.Status.SETTLED
    elif ledger.total_outstanding() > ZERO and loan.status == Loan.Status.SETTLED:
        loan.status, loan.closed_on = Loan.Status.ACTIVE, None


def write_state(loan: Loan, ledger: L.Ledger) -> None:
    """Bring the Instalment rows and the loan's balances in line with `ledger`, in bulk."""
    existing = {r.period: r for r in Instalment.objects.filter(loan=loan)}
    to_create, to_update = [], []
    for inst in ledger.instalments:
        row = existing.pop(inst.period, None) or Instalment(loan=loan, period=inst.period)
        row.due_date, row.penalty_pending = inst.due_date, inst.pending
        for comp, (due, paid, waived) in COMPONENT_FIELDS.items():
            setattr(row, due, inst.due[comp])
            setattr(row, paid, inst.paid[comp])
            setattr(row, waived, inst.waived[comp])
        (to_update if row.pk else to_create).append(row)
    fields = ["due_date", "penalty_pending", *[f for triple in COMPONENT_FIELDS.values() for f in triple]]
    if to_update:
        Instalment.objects.bulk_update(to_update, fields)
    if to_create:
        Instalment.objects.bulk_create(to_create)
    if existing:
        Instalment.objects.filter(pk__in=[r.pk for r in existing.values()]).delete()
    settle_status(loan, ledger)
