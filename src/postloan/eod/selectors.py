"""Read queries for end-of-day screens and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from postloan.eod.models import BucketTransition, ClassificationOverride, EodRun, LoanDelinquency

OVERRIDE_FILTERS = ("pending", "approved", "rejected", "all")


def runs_of(institution: Any) -> QuerySet[EodRun]:
    return EodRun.objects.filter(institution=institution).order_by("-business_date", "-attempt")


def last_run(institution: Any) -> EodRun | None:
    return runs_of(institution).first()


def loan_history(loan: Any) -> dict[str, Any]:
    return {
        "state": LoanDelinquency.objects.filter(loan=loan).first(),
        "transitions": list(
            BucketTransition.objects.filter(loan=loan).order_by("-business_date", "-id")[:50]
        ),
        "overrides": list(
            ClassificationOverride.objects.filter(loan=loan).select_related("requested_by", "decided_by")[:20]
        ),
        "business_date": loan.institution.business_date,
    }


def overrides_for(user: Any, *, status: str = "pending") -> QuerySet[ClassificationOverride]:
    """Manual classification requests on the loans `user` may see, newest first."""
    from postloan.servicing.selectors import loans_for

    items = ClassificationOverride.objects.filter(loan__in=loans_for(user)).select_related(
        "loan", "loan__customer", "requested_by", "decided_by"
    )
    if status in ("pending", "approved", "rejected"):
        items = items.filter(status=status)
    return items.order_by("-requested_on", "-id")
