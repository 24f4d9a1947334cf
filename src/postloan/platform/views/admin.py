"""Administration screens: users, roles, organisation units, runtime settings, business date."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postloan.platform import runtime_config, selectors, services
from postloan.platform.domain.masking import mask
from postloan.platform.domain.scope import SCOPE_LABELS, Scope
from postloan.platform.forms import BusinessDateForm, OrgUnitForm, RoleForm, UserForm
from postloan.platform.models import Role, User
from postloan.platform.views.util import attach_errors, paginate


def _masked(request: HttpRequest, user: User) -> dict[str, str]:
    rules = runtime_config.for_request(request)
    return {
        "phone": mask(user.phone, rules.mask_rule("phone")),
        "id_number": mask(user.id_number, rules.mask_rule("id_number")),
    }


@login_required
@permission_required("platform.manage_users", raise_exception=True)
def users(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = paginate(request, selectors.users_visible_to(request.user, query=query))
    rows = [
        {"user": u, "masked": _masked(request, u), "scope": _(SCOPE_LABELS[Scope(u.data_scope)])}
        for u in page
    ]
    return render(
        request,
        "platform/users.html",
        {"page": page, "rows": rows, "q": query, "query": urlencode({"q": query})},
    )


def _visible_user(request: HttpRequest, pk: int) -> User:
    user = selectors.users_visible_to(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


@login_required
@permission_required("platform.manage_users", raise_exception=True)
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    editing = _visible_user(request, pk) if pk else None
    institution = request.user.institution
    initial = {}
    if editing is not None:
        initial = {
            "username": editing.username,
            "first_name": editing.first_name,
            "last_name": editing.last_name,
            "email": editing.email,
            "org_unit": editing.org_unit_id,
            "data_scope": editing.data_scope,
            "roles": list(editing.roles.all()),
            "is_active": editing.is_active,
        }
    form = UserForm(request.POST or None, institution=institution, editing=editing, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("first_name", "last_name", "email", "org_unit", "data_scope")}
        # Personal data is never echoed into the form; a blank field on edit means "keep what is stored".
        fields |= {k: data[k] for k in ("phone", "id_number") if data[k] or editing is None}
        try:
            if editing is None:
                services.create_user(
                    actor=request.user,
                    institution=institution,
                    username=data["username"],
                    password=data["password"],
                    roles=list(data["roles"]),
                    **fields,
                )
            else:
                services.update_user(
                    actor=request.user,
                    user=editing,
                    roles=list(data["roles"]),
                    is_active=data["is_active"],
                    **fields,
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("User saved."))
            return redirect("platform:users")
    return render(
        request,
        "platform/user_form.html",
        {"form": form, "editing": editing, "masked": _masked(request, editing) if editing else {}},
    )


@login_required
@permission_required("platform.manage_roles", raise_exception=True)
def roles(request: HttpRequest) -> HttpResponse:
    rows = [{"role": r, "users": r.users.count()} for r in selectors.roles()]
    return render(request, "platform/roles.html", {"rows": rows})


@login_required
@permission_required("platform.manage_roles", raise_exception=True)
def role_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    editing = get_object_or_404(Role, pk=pk) if pk else None
    initial = (
        {
            "code": editing.code,
            "name": editing.name,
            "description": editing.description,
            "permissions": editing.permissions,
        }
        if editing
        else {}
    )
    form = RoleForm(request.POST or None, editing=editing, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_role(
                actor=request.user,
                role=editing,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                permissions=data["permissions"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Role saved."))
            return redirect("platform:roles")
    return render(request, "platform/role_form.html", {"form": form, "editing": editing})


@login_required
@permission_required("platform.manage_org", raise_exception=True)
def org_units(request: HttpRequest) -> HttpResponse:
    institution = request.user.institution
    form = OrgUnitForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_org_unit(
                actor=request.user,
                parent=data["parent"],
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Organisation unit created."))
            return redirect("platform:org_units")
    units = list(selectors.org_units(institution))
    members: dict[int, int] = defaultdict(int)
    for unit_id in User.objects.filter(org_unit__in=units).values_list("org_unit_id", flat=True):
        members[unit_id] += 1
    rows = [{"unit": u, "indent": u.depth, "members": members[u.pk]} for u in units]
    return render(request, "platform/org_units.html", {"rows": rows, "form": form})


@login_required
@permission_required("platform.manage_settings", raise_exception=True)
def settings_view(request: HttpRequest) -> HttpResponse:
    institution = request.user.institution
    errors: dict[str, str] = {}
    if request.method == "POST":
        key = request.POST.get("key", "")
        raw = request.POST.getlist("value") if request.POST.get("multi") else request.POST.get("value", "")
        try:
            services.update_setting(actor=request.user, institution=institution, key=key, raw=raw)
        except ValidationError as exc:
            errors = {k: "; ".join(v) for k, v in exc.message_dict.items()}
        else:
            messages.success(request, _("Setting saved; it is in effect now."))
            return redirect(request.path + f"#setting-{key}")
    view = runtime_config.for_institution(institution)
    groups: dict[str, list[dict]] = defaultdict(list)
    for key, spec in runtime_config.catalogue().items():
        groups[_(spec.group)].append(
            {
                "spec": spec,
                "label": _(spec.label),
                "help": _(spec.help) if spec.help else "",
                "value": view[key],
                "lines": "\n".join(view[key]) if spec.type == "list" else "",
                "default": view.is_default(key),
                "error": errors.get(key, ""),
                "posted": request.POST.get("value") if request.POST.get("key") == key else None,
            }
        )
    return render(request, "platform/settings.html", {"groups": dict(groups)}, status=400 if errors else 200)


@login_required
@permission_required("platform.set_business_date", raise_exception=True)
def business_date(request: HttpRequest) -> HttpResponse:
    institution = request.user.institution
    form = BusinessDateForm(request.POST or None, initial={"business_date": institution.business_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_business_date(
                actor=request.user,
                institution=institution,
                new_date=form.cleaned_data["business_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Business date changed."))
            return redirect("platform:business_date")
    history = selectors.audit_entries(
        object_type="institution", action="set_business_date", object_id=str(institution.pk)
    )[:20]
    return render(request, "platform/business_date.html", {"form": form, "history": history})


@login_required
@permission_required("platform.manage_users", raise_exception=True)
@require_POST
def user_security(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset a password, clear a lock-out, or remove a second factor, from the user's page."""
    target = _visible_user(request, pk)
    action = request.POST.get("action")
    try:
        if action == "password":
            services.set_password(actor=request.user, user=target, password=request.POST.get("password", ""))
            messages.success(request, _("Password reset; give it to the user through a safe channel."))
        elif action == "unlock":
            services.unlock_user(actor=request.user, user=target)
            messages.success(request, _("Sign-in lock cleared."))
        elif action == "totp":
            if services.remove_second_factor(
                actor=request.user, user=target, reason=request.POST.get("reason", "")
            ):
                messages.success(request, _("Two-factor device removed; the user can enrol again."))
            else:
                messages.info(request, _("This user has no two-factor device."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("platform:user_edit", pk=target.pk)
