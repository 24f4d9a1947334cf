"""Rebuilding delinquency history after a ledger change that reaches back into closed business days
(a backdated payment, a reversal): bucket and class transitions, the loan's current delinquency row
and its month-end rows are recomputed from the change's value date, day by day, with the same rules
the nightly batch applies to the whole portfolio, so they equal what they would have been had the
payment been booked on time. Daily portfolio aggregates stay as reported on their date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Q

from postloan.eod.domain import ecl
from postloan.eod.domain.rules import (
    CLASS_INDEX,
    CLASSES,
    OBSERVATION_DAYS,
    DayInput,
    bucket,
    day_class,
    ifrs9_stage,
)
from postloan.eod.domain.rules import provision_fen as class_provision_fen
from postloan.eod.models import BucketTransition, ClassificationOverride, LoanDelinquency, LoanMonthEnd
from postloan.platform import runtime_config
from postloan.platform.bulkwrite import fast_insert
from postloan.platform.models import Institution
from postloan.servicing.domain import product as P
from postloan.servicing.domain.timeline import DayState
from postloan.servicing.models import Instalment, Loan

CENT = Decimal("0.01")


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def rebuild(institution_id: int, histories: dict[int, Sequence[DayState]]) -> None:
    institution = Institution.objects.get(pk=institution_id)
    table = ecl.parse(runtime_config.for_institution(institution)["eod.ecl_table"])
    loans = Loan.objects.filter(pk__in=list(histories), institution_id=institution_id).select_related(
        "product_version"
    )
    for loan in loans:
        days = sorted(histories[loan.pk], key=lambda s: s.day)
        if days:
            _rebuild_loan(loan, days, table)


def _rebuild_loan(loan: Loan, days: list[DayState], table: dict[tuple[int, str], tuple[int, int]]) -> None:
    config = P.from_json(loan.product_version.config)
    start = days[0].day
    before = BucketTransition.objects.filter(loan=loan, business_date__lt=start).order_by(
        "business_date", "id"
    )
    prior_bucket, prior_class, moved_on = str(config.buckets[0][0]), "normal", None
    for move in before.order_by("business_date", "id"):
        prior_bucket, prior_class = move.to_bucket, move.to_class
        if move.from_bucket != move.to_bucket:
            moved_on = move.business_date
    due_dates = sorted(Instalment.objects.filter(loan=loan).values_list("due_date", flat=True))
    overrides = list(
        ClassificationOverride.objects.filter(
            loan=loan, status=ClassificationOverride.Status.APPROVED
        ).filter(Q(until__isnull=True) | Q(until__gte=start))
    )
    moves: list[BucketTransition] = []
    states: dict[Any, dict[str, Any]] = {}
    settled_on = next((s.day for s in days if s.settled), None)
    for s in days:
        if settled_on is not None and s.day >= settled_on:
            break  # a settled loan leaves the batch: no state, no transitions, no month-end rows
        label = bucket(s.dpd, config.buckets)
        cured_on = None if s.dpd > 0 else (s.day if label != prior_bucket else moved_on)
        in_effect = [
            CLASS_INDEX[o.classification]
            for o in overrides
            if o.decided_on and o.decided_on <= s.day and (o.until is None or o.until >= s.day)
        ]
        given = DayInput(
            rule_set=config.classification_rule_set,
            in_observation=bool(
                loan.restructured_on and (s.day - loan.restructured_on).days <= OBSERVATION_DAYS
            ),
            prior_class=prior_class,
            cured_on=cured_on,
            dues_since_cure=sum(1 for d in due_dates if cured_on and cured_on < d <= s.day),
        )
        rules_class = day_class(s.dpd, s.day, given)
        cls = rules_class
        if in_effect and max(in_effect) > CLASS_INDEX[rules_class]:
            cls = day_class(s.dpd, s.day, replace(given, override=CLASSES[max(in_effect)]))
        if label != prior_bucket or cls != prior_class:
            moves.append(
                BucketTransition(
                    loan=loan,
                    business_date=s.day,
                    from_bucket=prior_bucket,
                    to_bucket=label,
                    from_class=prior_class,
                    to_class=cls,
                    dpd=s.dpd,
                )
            )
        if label != prior_bucket:
            moved_on = s.day
        prior_bucket, prior_class = label, cls
        stage = ifrs9_stage(s.dpd, cls)
        exposure = _fen(s.outstanding_principal + s.overdue_total - s.overdue_principal)
        pd, lgd = ecl.rates(table, stage, label)
        states[s.day] = {
            "dpd": s.dpd,
            "bucket": label,
            "classification": cls,
            "overridden": cls != rules_class,
            "stage": stage,
            "outstanding_principal": s.outstanding_principal,
            "overdue_principal": s.overdue_principal,
            "overdue_total": s.overdue_total,
            "provision": class_provision_fen(_fen(s.outstanding_principal), cls) * CENT,
            "exposure": exposure * CENT,
            "ecl": ecl.ecl_fen(exposure, pd, lgd) * CENT,
        }
    BucketTransition.objects.filter(loan=loan, business_date__gte=start).delete()
    fast_insert(BucketTransition, moves)
    if settled_on is not None:
        LoanDelinquency.objects.filter(loan=loan).delete()
        LoanMonthEnd.objects.filter(loan=loan, business_date__gte=settled_on).delete()
    current = LoanDelinquency.objects.filter(loan=loan).first()
    if current is not None and current.as_of in states:
        for field, value in states[current.as_of].items():
            setattr(current, field, value)
        current.save()
    for row in LoanMonthEnd.objects.filter(loan=loan, business_date__gte=start):
        state = states.get(row.business_date)
        if state is not None:
            for field in ("dpd", "bucket", "classification", "outstanding_principal", "overdue_total"):
                setattr(row, field, state[field])
            row.save()
