"""Read queries for end-of-day screens and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from postloan.eod.models import BucketTransition, EodRun, LoanDelinquency


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
    }
