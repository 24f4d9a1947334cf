"""End-of-day API: run history and starting a run."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from postloan.eod import selectors, services
from postloan.platform import services as platform_services

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
