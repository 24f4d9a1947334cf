"""End-of-day screens: run history, a run's steps and partitions, starting or retrying a run."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postloan.eod import selectors, services
from postloan.platform.views.util import error_text


@login_required
@permission_required("eod.view", raise_exception=True)
def runs(request: HttpRequest) -> HttpResponse:
    return render(request, "eod/runs.html", {"runs": selectors.runs_of(request.user.institution)[:100]})


@login_required
@permission_required("eod.view", raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs_of(request.user.institution), pk=pk)
    return render(
        request, "eod/run.html", {"run": run, "checkpoints": run.checkpoints.order_by("step", "partition")}
    )


@login_required
@permission_required("eod.run", raise_exception=True)
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    rerun = request.POST.get("rerun") == "1"
    date = request.POST.get("date") or None
    try:
        import datetime as dt

        done = services.start(
            actor=request.user,
            institution=request.user.institution,
            date=dt.date.fromisoformat(date) if date else None,
            rerun=rerun,
        )
        messages.success(request, _("End of day %(d)s completed.") % {"d": done[-1].business_date})
    except (ValidationError, ValueError) as exc:
        messages.error(request, error_text(exc))
    return redirect("eod:runs")
