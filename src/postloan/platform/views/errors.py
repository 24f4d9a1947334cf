"""Error pages in the user's language, inside the shell when signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "platform/error.html", {"code": 403}, status=403)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "platform/error.html", {"code": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/error.html", {"code": 500}, status=500)
