"""API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postloan.platform import selectors, services
from postloan.platform.forms import TokenForm
from postloan.platform.models import ApiToken
from postloan.platform.views.util import attach_errors


@login_required
@permission_required("platform.use_api", raise_exception=True)
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created = services.create_api_token(
                actor=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            form = TokenForm()
    rows = selectors.api_tokens_of(request.user)
    return render(
        request,
        "platform/tokens.html",
        {"form": form, "rows": rows, "created": created, "now": timezone.now()},
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked; it no longer works."))
    return redirect("platform:tokens")
