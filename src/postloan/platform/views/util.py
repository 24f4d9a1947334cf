"""Small helpers shared by platform views."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def back(request: HttpRequest) -> HttpResponseRedirect:
    """Redirect to the page the form was posted from (same host only)."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def attach_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form: field errors on fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = field if field in form.fields else field.replace(".", "__")  # custom.key -> custom__key
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: Exception) -> str:
    """A service's refusal (ValidationError or PermissionDenied) as one line for a flash message."""
    return "; ".join(getattr(exc, "messages", None) or [str(exc)])


def form_error_text(form: Form) -> str:
    """A form's field errors as one line ("Label: message; ...") for a flash message."""
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else k}: {v[0]}" for k, v in form.errors.items()
    )
