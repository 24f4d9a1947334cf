"""Request id for tracing and audit; activation of the user's language preference."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from postloan.platform.context import new_request_id, request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class UserPreferenceMiddleware:
    """Chooses the language: the signed-in user's stored preference, else the language cookie, else
    the institution default (简体中文). The browser's Accept-Language is deliberately ignored: staff
    of a Chinese lender get Chinese unless they choose otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supported = {code for code, _ in settings.LANGUAGES}
        user = getattr(request, "user", None)
        language = settings.LANGUAGE_CODE
        if user is not None and user.is_authenticated and user.language in supported:
            language = user.language
        elif request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in supported:
            language = request.COOKIES[settings.LANGUAGE_COOKIE_NAME]
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ModuleSwitchMiddleware:
    """A module switched off for the user's institution answers 404 on its screens and API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.http import Http404

        from postloan import modules
        from postloan.platform import runtime_config

        first = request.path.strip("/").split("/", 1)[0]
        if first == "api" and request.path.startswith("/api/v1/"):
            first = request.path[len("/api/v1/") :].split("/", 1)[0]
        user = getattr(request, "user", None)
        if (
            first in modules.known_codes()
            and user is not None
            and user.is_authenticated
            and first not in runtime_config.for_request(request).enabled_modules()
        ):
            raise Http404("module disabled")
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Under /api/, framework-level errors (unknown path, wrong method) answer in the API's JSON
    error format instead of an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        detail = _("Not found.") if response.status_code == 404 else _("Method not allowed.")
        replacement = JsonResponse({"detail": detail, "errors": {}}, status=response.status_code)
        if response.has_header("Allow"):
            replacement["Allow"] = response["Allow"]
        return replacement
