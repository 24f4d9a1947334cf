"""Home page, language and theme switches, the user's own profile and second factor."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from postloan import modules
from postloan.platform import runtime_config, selectors, services
from postloan.platform.domain.scope import SCOPE_LABELS, Scope
from postloan.platform.forms import OtpForm, PasswordChangeForm
from postloan.platform.views.util import back


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    perms = sorted(user.get_all_permissions())
    recent = selectors.audit_entries(actor_username=user.username)[:8]
    enabled = runtime_config.for_request(request).enabled_modules()
    context = {
        "panels": _module_panels(request, enabled),
        "roles": list(user.roles.all()),
        "scope_label": _(SCOPE_LABELS[Scope(user.data_scope)]),
        "permission_count": len(perms),
        "recent": recent,
        "modules_enabled": [m for m in modules.CATALOGUE if m.code in enabled],
    }
    return render(request, "platform/home.html", context)


def _module_panels(request: HttpRequest, enabled: list[str]) -> list[tuple[str, dict]]:
    """Home-page panels that enabled modules offer (an app config's home_panel + home_context)."""
    from django.apps import apps

    panels = []
    for module in modules.CATALOGUE:
        if module.code not in enabled or module.code not in modules.served_codes():
            continue
        config = apps.get_app_config(module.app.rsplit(".", 1)[-1])
        context = config.home_context(request) if hasattr(config, "home_context") else None
        if context is not None:
            panels.append((config.home_panel, context))
    return panels


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unsupported language."))
        return back(request)
    if request.user.is_authenticated:
        services.save_preferences(actor=request.user, language=language)
    response = back(request)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 86400,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_POST
@login_required
def set_theme(request: HttpRequest) -> HttpResponse:
    try:
        services.save_preferences(actor=request.user, theme=request.POST.get("theme", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return back(request)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    password_form = PasswordChangeForm(
        request.POST if request.POST.get("form") == "password" else None, user=user
    )
    if password_form.is_bound and password_form.is_valid():
        try:
            services.set_password(actor=user, user=user, password=password_form.cleaned_data["password"])
        except ValidationError as exc:
            password_form.add_error("password", exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            messages.success(request, _("Password changed."))
            return redirect("platform:profile")
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    return render(request, "platform/profile.html", {"password_form": password_form, "devices": devices})


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the QR code of an unconfirmed device, confirm it with a first code."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.enable_totp(actor=user, device=device, token=form.cleaned_data["token"]):
            messages.success(
                request, _("Two-factor sign-in is on. You will be asked for a code at every sign-in.")
            )
            return redirect("platform:profile")
        form.add_error(
            "token", _("That code is not valid. Check your authenticator app's clock and try again.")
        )
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    qr = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(request, "platform/totp_setup.html", {"form": form, "qr": qr, "secret": secret})


@require_POST
@login_required
def totp_disable(request: HttpRequest) -> HttpResponse:
    """Turning the second factor off needs a current code, so a stolen session cannot do it."""
    form = OtpForm(request.POST)
    devices = TOTPDevice.objects.devices_for_user(request.user, confirmed=True)
    if not form.is_valid() or not any(d.verify_token(form.cleaned_data["token"]) for d in devices):
        messages.error(
            request, _("That code is not valid. Check your authenticator app's clock and try again.")
        )
        return redirect("platform:profile")
    if services.disable_totp(actor=request.user):
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("platform:profile")


@login_required
@require_POST
def reveal(request: HttpRequest, object_type: str, pk: int, field: str) -> HttpResponse:
    """HTMX: swap a masked value for the clear one; permission-, scope- and field-checked, audited."""
    from postloan.platform import reveal as registry

    entry = registry.lookup(object_type)
    if entry is None or field not in entry.fields or not request.user.has_perm("pii.reveal"):
        return HttpResponse(_("You may not see this value."), status=403)
    obj = entry.visible(request.user).filter(pk=pk).first()
    if obj is None:
        return HttpResponse(_("You may not see this value."), status=403)
    value = services.reveal(actor=request.user, obj=obj, field=field, object_type=object_type)
    return render(request, "platform/_revealed.html", {"value": value})
