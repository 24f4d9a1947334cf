"""Every platform write: users, roles, org units, settings, business date, API tokens, PII reveal.

Each service takes keyword-only arguments, checks the actor's permission, runs in one transaction
and records an audit entry with before/after state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from postloan.platform import audit, runtime_config
from postloan.platform.domain.permissions import BUILTIN_ROLES
from postloan.platform.domain.runtime_settings import SettingError, coerce
from postloan.platform.domain.scope import Scope, child_path
from postloan.platform.models import ApiToken, Institution, OrgUnit, Role, RuntimeSetting, User
from postloan.platform.permission_catalogue import all_permission_codes


def require(actor: Any, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this (%(perm)s).") % {"perm": permission})


# --- institution and business date -------------------------------------------------------------


@transaction.atomic
def create_institution(*, code: str, name: str, business_date: dt.date, actor: Any = None) -> Institution:
    institution = Institution.objects.create(code=code, name=name, business_date=business_date)
    audit.record(
        actor=actor,
        action="create",
        object_type="institution",
        object_id=institution.pk,
        after=audit.snapshot(institution),
        institution_id=institution.pk,
    )
    ensure_builtin_roles(actor=actor)
    root = OrgUnit.objects.create(
        institution=institution, code="HQ", name=name, kind=OrgUnit.Kind.HEAD_OFFICE, path="/"
    )
    root.path = child_path("/", root.pk)
    root.save(update_fields=["path"])
    audit.record(
        actor=actor,
        action="create",
        object_type="org_unit",
        object_id=root.pk,
        after=audit.snapshot(root),
        institution_id=institution.pk,
    )
    return institution


def default_institution() -> Institution | None:
    return Institution.objects.order_by("pk").first()


@transaction.atomic
def set_business_date(*, actor: Any, institution: Institution, new_date: dt.date, reason: str) -> Institution:
    """Administrator override of the business date (the EOD batch advances it in normal operation)."""
    require(actor, "platform.set_business_date")
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for changing the business date.")})
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    before = {"business_date": locked.business_date.isoformat()}
    locked.business_date = new_date
    locked.save(update_fields=["business_date"])
    audit.record(
        actor=actor,
        action="set_business_date",
        object_type="institution",
        object_id=locked.pk,
        before=before,
        after={"business_date": new_date.isoformat(), "reason": reason},
        institution_id=locked.pk,
    )
    return locked


# --- roles ---------------------------------------------------------------------------------------


def ensure_builtin_roles(*, actor: Any = None) -> None:
    for template in BUILTIN_ROLES:
        role, created = Role.objects.get_or_create(
            code=template.code,
            defaults={"name": template.name, "permissions": list(template.permissions), "builtin": True},
        )
        if created:
            audit.record(
                actor=actor,
                action="create",
                object_type="role",
                object_id=role.pk,
                after=audit.snapshot(role),
            )


@transaction.atomic
def save_role(
    *, actor: Any, role: Role | None, code: str, name: str, description: str, permissions: list[str]
) -> Role:
    require(actor, "platform.manage_roles")
    unknown = sorted(set(permissions) - set(all_permission_codes()))
    if unknown:
        raise ValidationError(
            {"permissions": _("Unknown permissions: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    if role is None:
        if Role.objects.filter(code=code).exists():
            raise ValidationError({"code": _("A role with this code already exists.")})
        role = Role(code=code)
        before = None
    else:
        before = audit.snapshot(role)
    role.name, role.description, role.permissions = name, description, sorted(set(permissions))
    role.save()
    audit.record(
        actor=actor,
        action="create" if before is None else "update",
        object_type="role",
        object_id=role.pk,
        **_changes(before, audit.snapshot(role)),
    )
    return role


# --- org units -----------------------------------------------------------------------------------


@transaction.atomic
def create_org_unit(*, actor: Any, parent: OrgUnit, code: str, name: str, kind: str) -> OrgUnit:
    require(actor, "platform.manage_org")
    if OrgUnit.objects.filter(institution=parent.institution, code=code).exists():
        raise ValidationError({"code": _("An organisation unit with this code already exists.")})
    unit = OrgUnit.objects.create(
        institution=parent.institution, parent=parent, code=code, name=name, kind=kind, path=""
    )
    unit.path = child_path(parent.path, unit.pk)
    unit.save(update_fields=["path"])
    audit.record(
        actor=actor,
        action="create",
        object_type="org_unit",
        object_id=unit.pk,
        after=audit.snapshot(unit),
        institution_id=unit.institution_id,
    )
    return unit


@transaction.atomic
def rename_org_unit(*, actor: Any, unit: OrgUnit, name: str, kind: str) -> OrgUnit:
    require(actor, "platform.manage_org")
    before = audit.snapshot(unit)
    unit.name, unit.kind = name, kind
    unit.save(update_fields=["name", "kind"])
    audit.record(
        actor=actor,
        action="update",
        object_type="org_unit",
        object_id=unit.pk,
        institution_id=unit.institution_id,
        **_changes(before, audit.snapshot(unit)),
    )
    return unit


# --- users ---------------------------------------------------------------------------------------


@transaction.atomic
def create_user(
    *,
    actor: Any,
    institution: Institution,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    org_unit: OrgUnit | None = None,
    roles: list[Role] | None = None,
    data_scope: str = Scope.OWN,
    phone: str = "",
    id_number: str = "",
    is_superuser: bool = False,
) -> User:
    require(actor, "platform.manage_users")
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        institution=institution,
        org_unit=org_unit,
        data_scope=data_scope,
        phone=phone,
        id_number=id_number,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    user.roles.set(roles or [])
    after = audit.snapshot(user) | {"roles": sorted(r.code for r in roles or [])}
    audit.record(
        actor=actor,
        action="create",
        object_type="user",
        object_id=user.pk,
        after=after,
        institution_id=institution.pk,
    )
    return user


@transaction.atomic
def update_user(*, actor: Any, user: User, roles: list[Role] | None = None, **fields: Any) -> User:
    """Change profile fields, org unit, scope, active flag and roles of `user`."""
    require(actor, "platform.manage_users")
    allowed = {
        "first_name",
        "last_name",
        "email",
        "org_unit",
        "data_scope",
        "phone",
        "id_number",
        "is_active",
    }
    bad = set(fields) - allowed
    if bad:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(bad))})
    before = audit.snapshot(user) | {"roles": sorted(user.roles.values_list("code", flat=True))}
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    if roles is not None:
        user.roles.set(roles)
    after = audit.snapshot(user) | {"roles": sorted(user.roles.values_list("code", flat=True))}
    audit.record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.pk,
        institution_id=user.institution_id,
        **_changes(before, after),
    )
    return user


@transaction.atomic
def set_password(*, actor: Any, user: User, password: str) -> None:
    if actor is None or actor.pk != user.pk:
        require(actor, "platform.manage_users")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=actor,
        action="set_password",
        object_type="user",
        object_id=user.pk,
        institution_id=user.institution_id,
    )


@transaction.atomic
def save_preferences(
    *,
    actor: User,
    language: str | None = None,
    theme: str | None = None,
    preferences: dict[str, Any] | None = None,
) -> User:
    """A user's own screen preferences (language, theme, other UI choices)."""
    before = {"language": actor.language, "theme": actor.theme, "preferences": actor.preferences}
    if language is not None:
        if language not in ("zh-hans", "en"):
            raise ValidationError({"language": _("Unsupported language.")})
        actor.language = language
    if theme is not None:
        if theme not in User.Theme.values:
            raise ValidationError({"theme": _("Unsupported theme.")})
        actor.theme = theme
    if preferences is not None:
        actor.preferences = {**actor.preferences, **preferences}
    actor.save(update_fields=["language", "theme", "preferences"])
    after = {"language": actor.language, "theme": actor.theme, "preferences": actor.preferences}
    audit.record(
        actor=actor,
        action="update_preferences",
        object_type="user",
        object_id=actor.pk,
        **_changes(before, after),
    )
    return actor


# --- runtime settings ----------------------------------------------------------------------------


@transaction.atomic
def update_setting(*, actor: Any, institution: Institution, key: str, raw: Any) -> Any:
    """Validate and store one runtime setting; raises ValidationError({key: message}) on bad input."""
    require(actor, "platform.manage_settings")
    catalogue = runtime_config.catalogue()
    if key not in catalogue:
        raise ValidationError({key: _("Unknown setting.")})
    try:
        value = coerce(catalogue[key], raw)
    except SettingError as exc:
        raise ValidationError({key: _(exc.message) % exc.params}) from None
    current = runtime_config.for_institution(institution)[key]
    if value == current:
        return value
    RuntimeSetting.objects.update_or_create(
        institution=institution,
        key=key,
        defaults={"value": value, "updated_by": getattr(actor, "username", "system")},
    )
    audit.record(
        actor=actor,
        action="update_setting",
        object_type="setting",
        object_id=key,
        before={"value": current},
        after={"value": value},
        institution_id=institution.pk,
    )
    return value


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_SCOPES = ("read", "write")


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def create_api_token(
    *, actor: User, name: str, scopes: list[str], days: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the clear token, which is shown once and never stored."""
    require(actor, "platform.use_api")
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    bad = sorted(set(scopes) - set(TOKEN_SCOPES))
    if bad or not scopes:
        raise ValidationError({"scopes": _("Choose scopes from: read, write.")})
    lifetime = days or int(runtime_config.for_institution(actor.institution)["security.api_token_days"])
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip(),
        prefix=prefix,
        token_hash=_hash_secret(secret),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + dt.timedelta(days=lifetime),
    )
    audit.record(
        actor=actor,
        action="create",
        object_type="api_token",
        object_id=token.pk,
        after={
            "name": token.name,
            "prefix": prefix,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, f"pl_{prefix}_{secret}"


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        require(actor, "platform.manage_users")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="revoke",
            object_type="api_token",
            object_id=token.pk,
            after={"revoked_at": token.revoked_at.isoformat()},
        )


def authenticate_token(raw: str) -> tuple[User, ApiToken] | None:
    """Resolve `pl_<prefix>_<secret>`; compares hashes in constant time. Not audited (a read)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "pl":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    now = timezone.now()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    if not secrets.compare_digest(token.token_hash, _hash_secret(parts[2])):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


# --- personal data -------------------------------------------------------------------------------


def reveal(*, actor: User, obj: Any, field: str, object_type: str) -> str:
    """Return the clear value of one PII field and audit that it was seen."""
    require(actor, "pii.reveal")
    value = getattr(obj, field)
    audit.record(
        actor=actor,
        action="reveal",
        object_type=object_type,
        object_id=obj.pk,
        after={"field": field},
        institution_id=getattr(actor, "institution_id", None),
    )
    return value


@transaction.atomic
def enable_totp(*, actor: User, device: Any, token: str) -> bool:
    """Confirm an enrolment with the first code from the authenticator; False if the code is wrong."""
    if device.user_id != actor.pk or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=actor, action="enable_totp", object_type="user", object_id=actor.pk)
    return True


@transaction.atomic
def disable_totp(*, actor: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    deleted, _count = TOTPDevice.objects.filter(user=actor).delete()
    if deleted:
        audit.record(actor=actor, action="disable_totp", object_type="user", object_id=actor.pk)
    return bool(deleted)


def _changes(before: dict | None, after: dict | None) -> dict[str, Any]:
    b, a = audit.diff(before, after)
    return {"before": b, "after": a}


# --- for other modules' services -------------------------------------------------------------------


def record_audit(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    institution_id: int | None = None,
) -> None:
    """The audit entry for a write made by another module's service (inside its transaction)."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    audit.record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        **_changes(before, after),
        institution_id=institution_id,
    )


def snapshot(obj: Any) -> dict[str, Any]:
    return audit.snapshot(obj)


@transaction.atomic
def unlock_user(*, actor: Any, user: User) -> int:
    """Clear the failed sign-in attempts that lock `user` out (django-axes)."""
    require(actor, "platform.manage_users")
    from axes.utils import reset

    cleared = reset(username=user.username)
    audit.record(
        actor=actor,
        action="unlock",
        object_type="user",
        object_id=user.pk,
        after={"attempts_cleared": cleared},
        institution_id=user.institution_id,
    )
    return cleared


@transaction.atomic
def remove_second_factor(*, actor: Any, user: User, reason: str) -> bool:
    """An administrator removes a user's TOTP device (lost phone); the user enrols again."""
    require(actor, "platform.manage_users")
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    from django_otp.plugins.otp_totp.models import TOTPDevice

    deleted, _count = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit.record(
            actor=actor,
            action="disable_totp",
            object_type="user",
            object_id=user.pk,
            after={"reason": reason, "by_administrator": True},
            institution_id=user.institution_id,
        )
    return bool(deleted)
