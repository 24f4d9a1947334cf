"""End-of-day screens: run history, a run's steps and partitions, starting or retrying a run; manual
classification requests and their approval queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postloan.eod import selectors, services
from postloan.eod.forms import OverrideForm
from postloan.platform.views.util import back, error_text, form_error_text, paginate
from postloan.servicing import selectors as servicing_selectors


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


@login_required
@permission_required("eod.request_override", raise_exception=True)
@require_POST
def override_request(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = servicing_selectors.visible_loan(request.user, loan_pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.request_override(actor=request.user, loan=loan, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Manual classification requested; it applies once approved."))
    else:
        messages.error(request, form_error_text(form))
    return redirect(f"{reverse('servicing:loan', args=[loan.pk])}#delinquency")


@login_required
@permission_required("eod.view", raise_exception=True)
def overrides(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    items = selectors.overrides_for(request.user, status=status)
    return render(
        request,
        "eod/overrides.html",
        {"page": paginate(request, items), "status": status, "statuses": selectors.OVERRIDE_FILTERS},
    )


@login_required
@permission_required("eod.approve_override", raise_exception=True)
@require_POST
def override_decide(request: HttpRequest, pk: int) -> HttpResponse:
    override = get_object_or_404(selectors.overrides_for(request.user, status="all"), pk=pk)
    action, note = request.POST.get("action"), request.POST.get("note", "")
    try:
        if action == "end":
            services.end_override(actor=request.user, override=override, note=note)
            messages.success(request, _("The manual classification ends with the last closed date."))
        else:
            services.decide_override(
                actor=request.user, override=override, approve=action == "approve", note=note
            )
            messages.success(request, _("Decision recorded."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request)
