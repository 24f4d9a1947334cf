"""Auditor screen: search the audit trail and check the hash chain."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from postloan.platform import selectors
from postloan.platform.forms import AuditSearchForm
from postloan.platform.views.util import paginate


@login_required
@permission_required("platform.view_audit", raise_exception=True)
def audit_search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.audit_entries(**{k: v for k, v in filters.items() if v}))
    chain = None
    if request.GET.get("verify"):
        chain = {"break": selectors.audit_chain_break()}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "platform/audit.html",
        {
            "form": form,
            "page": page,
            "facets": selectors.audit_facets(),
            "chain": chain,
            "query": query.urlencode(),
        },
    )
