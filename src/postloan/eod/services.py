"""End-of-day use cases: starting runs (the work itself is in runner.py and batch.py) and manual
classification overrides with maker-checker approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postloan.eod import runner
from postloan.eod.domain.rules import CLASSES
from postloan.eod.models import ClassificationOverride, EodRun
from postloan.platform import scope
from postloan.platform import services as platform
from postloan.servicing.models import Loan


def start(
    *,
    actor: Any,
    institution: Any,
    date: dt.date | None = None,
    until: dt.date | None = None,
    rerun: bool = False,
    workers: str = "local",
) -> list[EodRun]:
    if actor is not None:
        platform.require(actor, "eod.run")
    try:
        return runner.run(institution, date=date, until=until, rerun=rerun, actor=actor, workers=workers)
    except runner.EodError as exc:
        raise ValidationError(str(exc)) from None


# --- manual classification (人工认定) -------------------------------------------------------------


def _require_visible(actor: Any, loan: Any) -> None:
    if not scope.can_see(loan, actor):
        raise PermissionDenied(_("This loan is outside your data scope."))


def request_override(
    *, actor: Any, loan: Any, classification: str, reason: str, until: dt.date | None = None
) -> ClassificationOverride:
    """Ask for a loan to be classified worse than the rules give (e.g. fraud, bankruptcy, a court
    case); someone with approval rights decides. The rules' class stays the floor."""
    platform.require(actor, "eod.request_override")
    _require_visible(actor, loan)
    errors: dict[str, str] = {}
    if classification not in CLASSES[1:]:
        errors["classification"] = _("Choose 关注 or worse: an override can only make a class worse.")
    if not reason.strip():
        errors["reason"] = _("Give a reason.")
    business_date = loan.institution.business_date
    if until is not None and until < business_date:
        errors["until"] = _("The end date cannot be before the business date (%(d)s).") % {"d": business_date}
    if loan.status != Loan.Status.ACTIVE:
        errors["loan"] = _("Only active loans are classified.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        override = ClassificationOverride.objects.create(
            loan=loan,
            classification=classification,
            reason=reason.strip(),
            until=until,
            requested_by=actor,
            requested_on=business_date,
        )
        platform.record_audit(
            actor=actor,
            action="request_override",
            obj=override,
            after=platform.snapshot(override),
            institution_id=loan.institution_id,
        )
    return override


def _locked(actor: Any, override: ClassificationOverride) -> ClassificationOverride:
    """The override re-read under a row lock (two deciders cannot both act), scope-checked."""
    override = (
        ClassificationOverride.objects.select_for_update()
        .select_related("loan__institution")
        .get(pk=override.pk)
    )
    _require_visible(actor, override.loan)
    return override


def decide_override(*, actor: Any, override: ClassificationOverride, approve: bool, note: str = "") -> None:
    """Approve (from the business date on) or reject a pending request; never one's own."""
    platform.require(actor, "eod.approve_override")
    with transaction.atomic():
        override = _locked(actor, override)
        if override.status != ClassificationOverride.Status.PENDING:
            raise ValidationError(_("This request has already been decided."))
        if override.requested_by_id == actor.pk:
            raise ValidationError(_("Someone else must decide your own request."))
        if not approve and not note.strip():
            raise ValidationError({"note": _("Give a reason for the rejection.")})
        before = platform.snapshot(override)
        override.status = (
            ClassificationOverride.Status.APPROVED if approve else ClassificationOverride.Status.REJECTED
        )
        override.decided_by, override.decided_on, override.decision_note = (
            actor,
            override.loan.institution.business_date,
            note.strip(),
        )
        override.save()
        platform.record_audit(
            actor=actor,
            action="approve_override" if approve else "reject_override",
            obj=override,
            before=before,
            after=platform.snapshot(override),
            institution_id=override.loan.institution_id,
        )


def end_override(*, actor: Any, override: ClassificationOverride, note: str) -> None:
    """Stop an approved override from the business date on (the days it covered keep it)."""
    platform.require(actor, "eod.approve_override")
    if not note.strip():
        raise ValidationError({"note": _("Give a reason.")})
    with transaction.atomic():
        override = _locked(actor, override)
        last_closed = override.loan.institution.business_date - dt.timedelta(days=1)
        if override.status != ClassificationOverride.Status.APPROVED or (
            override.until is not None and override.until <= last_closed
        ):
            raise ValidationError(_("This override is not in effect."))
        before = platform.snapshot(override)
        override.until = max(last_closed, override.decided_on or last_closed)
        override.decision_note = f"{override.decision_note}\n{note.strip()}".strip()
        override.save()
        platform.record_audit(
            actor=actor,
            action="end_override",
            obj=override,
            before=before,
            after=platform.snapshot(override),
            institution_id=override.loan.institution_id,
        )
