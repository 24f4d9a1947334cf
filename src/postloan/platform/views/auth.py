"""Sign-in (password, then TOTP when the user has a device), sign-out, lock-out page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from postloan.platform.forms import LoginForm, OtpForm
from postloan.platform.models import User

_PENDING = "postloan_pending_otp_user"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@never_cache
@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request, None, None)
        if user is None:
            error = _("Wrong username or password.")
        elif user_has_device(user, confirmed=True):
            request.session[_PENDING] = user.pk
            request.session["postloan_next"] = _next_url(request)
            return redirect("platform:login_otp")
        else:
            login(request, user)
            _adopt_language_choice(request, user)
            return redirect(_next_url(request))
    return render(request, "platform/login.html", {"form": form, "error": error, "next": _next_url(request)})


@never_cache
@csrf_protect
def login_otp_view(request: HttpRequest) -> HttpResponse:
    user = User.objects.filter(pk=request.session.get(_PENDING), is_active=True).first()
    if user is None:
        return redirect("platform:login")
    form = OtpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        device = next(
            (
                d
                for d in TOTPDevice.objects.devices_for_user(user, confirmed=True)
                if d.verify_token(form.cleaned_data["token"])
            ),
            None,
        )
        if device is None:
            error = _("That code is not valid. Check your authenticator app's clock and try again.")
        else:
            next_url = request.session.pop("postloan_next", "/")
            request.session.pop(_PENDING, None)
            user.backend = "postloan.platform.auth_backend.RolePermissionBackend"
            login(request, user)
            otp_login(request, device)
            _adopt_language_choice(request, user)
            return redirect(next_url)
    return render(request, "platform/login_otp.html", {"form": form, "error": error})


def _adopt_language_choice(request: HttpRequest, user: User) -> None:
    """A language picked on the sign-in page becomes the user's preference."""
    from django.conf import settings

    from postloan.platform import services

    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES) and chosen != user.language:
        services.save_preferences(actor=user, language=chosen)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("platform:login")


def lockout_response(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    form = LoginForm(initial={"username": request.POST.get("username", "")})
    error = _(
        "Too many failed sign-in attempts. This account is locked for a while; try again later "
        "or ask an administrator to unlock it."
    )
    return render(request, "platform/login.html", {"form": form, "error": error, "locked": True}, status=429)
