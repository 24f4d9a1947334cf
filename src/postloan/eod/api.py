"""End-of-day API: run history, starting a run, manual classifications."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from postloan.eod import selectors, services
from postloan.eod.models import ClassificationOverride
from postloan.platform import services as platform_services
from postloan.servicing.selectors import loans_for

router = Router(tags=["eod"])


class RunOut(Schema):
    id: int
    business_date: dt.date
    attempt: int
    status: str
    steps: list[str]
    partitions: int
    counts: dict[str, Any]
    error: str


class RunIn(Schema):
    date: dt.date | None = None
    until: dt.date | None = None
    rerun: bool = False


@router.get("/runs", response=list[RunOut])
def list_runs(request: HttpRequest) -> Any:
    platform_services.require(request.user, "eod.view")
    return list(selectors.runs_of(request.user.institution)[:100])


@router.post(
    "/runs", response=list[RunOut], summary="Run the end of day (next business date, a date, or until)"
)
def start_run(request: HttpRequest, payload: RunIn) -> Any:
    return services.start(
        actor=request.user,
        institution=request.user.institution,
        date=payload.date,
        until=payload.until,
        rerun=payload.rerun,
    )


class OverrideOut(Schema):
    id: int
    loan_id: int
    loan_no: str
    classification: str
    reason: str
    until: dt.date | None
    status: str
    requested_by: str
    requested_on: dt.date
    decided_by: str | None
    decided_on: dt.date | None
    decision_note: str


class OverrideIn(Schema):
    classification: str
    reason: str
    until: dt.date | None = None


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class EndIn(Schema):
    note: str


def _override_out(o: ClassificationOverride) -> dict[str, Any]:
    return {
        "id": o.pk,
        "loan_id": o.loan_id,
        "loan_no": o.loan.loan_no,
        "classification": o.classification,
        "reason": o.reason,
        "until": o.until,
        "status": o.status,
        "requested_by": o.requested_by.username,
        "requested_on": o.requested_on,
        "decided_by": o.decided_by.username if o.decided_by else None,
        "decided_on": o.decided_on,
        "decision_note": o.decision_note,
    }


def _override(request: HttpRequest, override_id: int) -> ClassificationOverride:
    override = selectors.overrides_for(request.user, status="all").filter(pk=override_id).first()
    if override is None:
        raise Http404
    return override


@router.get(
    "/overrides",
    response=list[OverrideOut],
    summary="Manual classifications in the caller's data scope (status: pending, approved, rejected, all)",
)
def list_overrides(request: HttpRequest, status: str = "pending") -> Any:
    platform_services.require(request.user, "eod.view")
    return [_override_out(o) for o in selectors.overrides_for(request.user, status=status)[:500]]


@router.post(
    "/loans/{loan_id}/overrides",
    response={201: OverrideOut},
    summary="Request a manual classification worse than the rules give (another user approves)",
)
def request_override(request: HttpRequest, loan_id: int, payload: OverrideIn) -> Any:
    loan = loans_for(request.user).filter(pk=loan_id).first()
    if loan is None:
        raise Http404
    override = services.request_override(
        actor=request.user,
        loan=loan,
        classification=payload.classification,
        reason=payload.reason,
        until=payload.until,
    )
    return Status(201, _override_out(override))


@router.post(
    "/overrides/{override_id}/decision",
    response=OverrideOut,
    summary="Approve (from the business date) or reject a pending request; not your own",
)
def decide_override(request: HttpRequest, override_id: int, payload: DecisionIn) -> Any:
    override = _override(request, override_id)
    services.decide_override(
        actor=request.user, override=override, approve=payload.approve, note=payload.note
    )
    override.refresh_from_db()
    return _override_out(override)


@router.post(
    "/overrides/{override_id}/end",
    response=OverrideOut,
    summary="End an approved manual classification with the last closed date",
)
def end_override(request: HttpRequest, override_id: int, payload: EndIn) -> Any:
    override = _override(request, override_id)
    services.end_override(actor=request.user, override=override, note=payload.note)
    override.refresh_from_db()
    return _override_out(override)
