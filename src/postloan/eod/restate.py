"""Rebuilding delinquency history after a ledger change that reaches back into closed business days
(a backdated payment, a reversal): bucket and class transitions, the loan's current delinquency row
and its month-end rows are recomputed from the change's value date, day by day, with the same rules
the nightly batch applies to the whole portfolio, so they equal what they would have been had the
payment been booked on time. Daily portfolio aggregates stay as reported on their date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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


CHUNK = 2_000  # loans per round of queries: bounded memory and parameter counts on every database


def rebuild(institution_id: int, histories: dict[int, Sequence[DayState]]) -> None:
    """Restate the loans in `histories` with a fixed number of queries per chunk of loans."""
    institution = Institution.objects.get(pk=institution_id)
    table = ecl.parse(runtime_config.for_institution(institution)["eod.ecl_table"])
    ids = sorted(
        Loan.objects.filter(
            pk__in=[k for k, v in histories.items() if v], institution_id=institution_id
        ).values_list("pk", flat=True)
    )
    configs: dict[int, P.ProductConfig] = {}
    for n in range(0, len(ids), CHUNK):
        chunk = ids[n : n + CHUNK]
        _rebuild_chunk(chunk, {k: sorted(histories[k], key=lambda s: s.day) for k in chunk}, table, configs)


def _rebuild_chunk(
    ids: list[int],
    histories: dict[int, list[DayState]],
    table: dict[tuple[int, str], tuple[int, int]],
    configs: dict[int, P.ProductConfig],
) -> None:
    starts = {k: days[0].day for k, days in histories.items()}
    loans = {x.pk: x for x in Loan.objects.filter(pk__in=ids).select_related("product_version")}
    moves_of: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        BucketTransition.objects.filter(loan_id__in=ids)
        .order_by("business_date", "id")
        .values_list("loan_id", "business_date", "from_bucket", "to_bucket", "to_class")
    ):
        if row[1] < starts[row[0]]:
            moves_of[row[0]].append(row[1:])
    due_dates: dict[int, list[dt.date]] = defaultdict(list)
    for loan_id, due in Instalment.objects.filter(loan_id__in=ids).values_list("loan_id", "due_date"):
        due_dates[loan_id].append(due)
    overrides: dict[int, list[ClassificationOverride]] = defaultdict(list)
    for o in ClassificationOverride.objects.filter(
        loan_id__in=ids, status=ClassificationOverride.Status.APPROVED
    ).filter(Q(until__isnull=True) | Q(until__gte=min(starts.values()))):
        overrides[o.loan_id].append(o)
    moves: list[BucketTransition] = []
    states: dict[int, dict[dt.date, dict[str, Any]]] = {}
    settled: dict[int, dt.date] = {}
    for loan_id in ids:
        loan = loans[loan_id]
        pv = loan.product_version
        if pv.pk not in configs:
            configs[pv.pk] = P.from_json(pv.config)
        states[loan_id], settled_on = _replay_rules(
            loan,
            histories[loan_id],
            configs[pv.pk],
            moves_of[loan_id],
            sorted(due_dates[loan_id]),
            overrides[loan_id],
            table,
            moves,
        )
        if settled_on is not None:
            settled[loan_id] = settled_on
    for start, group in _by_date(starts).items():
        BucketTransition.objects.filter(loan_id__in=group, business_date__gte=start).delete()
    fast_insert(BucketTransition, moves)
    LoanDelinquency.objects.filter(loan_id__in=list(settled)).delete()
    for settled_on, group in _by_date(settled).items():
        LoanMonthEnd.objects.filter(loan_id__in=group, business_date__gte=settled_on).delete()
    current = [
        row
        for row in LoanDelinquency.objects.filter(loan_id__in=ids).exclude(loan_id__in=list(settled))
        if _assign(row, states[row.loan_id].get(row.as_of), STATE_FIELDS)
    ]
    LoanDelinquency.objects.bulk_update(current, STATE_FIELDS, batch_size=500)
    month_ends = [
        row
        for row in LoanMonthEnd.objects.filter(loan_id__in=ids, business_date__gte=min(starts.values()))
        if row.business_date >= starts[row.loan_id]
        and _assign(row, states[row.loan_id].get(row.business_date), MONTH_END_FIELDS)
    ]
    LoanMonthEnd.objects.bulk_update(month_ends, MONTH_END_FIELDS, batch_size=500)


STATE_FIELDS = [
    "dpd",
    "bucket",
    "classification",
    "overridden",
    "stage",
    "outstanding_principal",
    "overdue_principal",
    "overdue_total",
    "provision",
    "exposure",
    "ecl",
]
MONTH_END_FIELDS = ["dpd", "bucket", "classification", "outstanding_principal", "overdue_total"]


def _by_date(dates: dict[int, dt.date]) -> dict[dt.date, list[int]]:
    """Loans grouped by a date: one statement per distinct date (a payment file shares few)."""
    groups: dict[dt.date, list[int]] = defaultdict(list)
    for loan_id, day in dates.items():
        groups[day].append(loan_id)
    return groups


def _assign(row: Any, state: dict[str, Any] | None, fields: list[str]) -> bool:
    if state is None:
        return False
    for name in fields:
        setattr(row, name, state[name])
    return True


def _replay_rules(
    loan: Loan,
    days: list[DayState],
    config: P.ProductConfig,
    before: list[tuple],
    due_dates: list[dt.date],
    overrides: list[ClassificationOverride],
    table: dict[tuple[int, str], tuple[int, int]],
    moves: list[BucketTransition],
) -> tuple[dict[dt.date, dict[str, Any]], dt.date | None]:
    """The batch's rules applied to one loan's recorded days: appends its transitions to `moves`,
    returns its state per day and the day it was settled (None if it was not)."""
    prior_bucket, prior_class, moved_on, changed_on = str(config.buckets[0][0]), "normal", None, None
    for day, from_bucket, to_bucket, to_class in before:
        prior_bucket, prior_class, changed_on = to_bucket, to_class, day
        if from_bucket != to_bucket:
            moved_on = day
    states: dict[dt.date, dict[str, Any]] = {}
    settled_on = next((s.day for s in days if s.settled), None)
    for s in days:
        if settled_on is not None and s.day >= settled_on:
            break  # a settled loan leaves the batch: no state, no transitions, no month-end rows
        label = bucket(s.dpd, config.buckets)
        # as the batch's _prior: the last bucket change, else the last class change
        cured_on = None if s.dpd > 0 else (s.day if label != prior_bucket else moved_on or changed_on)
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
        if label != prior_bucket or cls != prior_class:
            changed_on = s.day
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
    return states, settled_on
