"""Platform API: who am I, institution and business date, users, settings, audit, tokens."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from postloan.platform import runtime_config, selectors, services
from postloan.platform.domain.masking import mask
from postloan.platform.models import ApiToken, Role

router = Router(tags=["platform"])


def _need(request: HttpRequest, permission: str) -> None:
    services.require(request.user, permission)


class MeOut(Schema):
    username: str
    full_name: str
    institution: str | None
    business_date: dt.date | None
    roles: list[str]
    permissions: list[str]
    data_scope: str
    language: str


@router.get("/me", response=MeOut, summary="The calling user, their roles and permissions")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "institution": user.institution.code if user.institution else None,
        "business_date": user.institution.business_date if user.institution else None,
        "roles": sorted(user.roles.values_list("code", flat=True)),
        "permissions": sorted(user.get_all_permissions()),
        "data_scope": user.data_scope,
        "language": user.language,
    }


class BusinessDateIn(Schema):
    business_date: dt.date
    reason: str = Field(..., min_length=1, max_length=300)


class InstitutionOut(Schema):
    code: str
    name: str
    business_date: dt.date


@router.get("/institution", response=InstitutionOut)
def institution(request: HttpRequest) -> Any:
    return request.user.institution


@router.put("/institution/business-date", response=InstitutionOut, summary="Administrator override")
def put_business_date(request: HttpRequest, payload: BusinessDateIn) -> Any:
    return services.set_business_date(
        actor=request.user,
        institution=request.user.institution,
        new_date=payload.business_date,
        reason=payload.reason,
    )


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    org_unit: str | None
    data_scope: str
    roles: list[str]
    is_active: bool
    phone_masked: str
    id_number_masked: str


class UserIn(Schema):
    username: str = Field(..., pattern=r"^[\w.@+-]{3,150}$")
    password: str = Field(..., min_length=10)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    org_unit_id: int | None = None
    data_scope: str = Field("own", pattern="^(own|unit|subtree|all)$")
    roles: list[str] = []


def _user_out(request: HttpRequest, user: Any) -> dict[str, Any]:
    rules = runtime_config.for_request(request)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name(),
        "org_unit": user.org_unit.code if user.org_unit else None,
        "data_scope": user.data_scope,
        "roles": sorted(r.code for r in user.roles.all()),
        "is_active": user.is_active,
        "phone_masked": mask(user.phone, rules.mask_rule("phone")),
        "id_number_masked": mask(user.id_number, rules.mask_rule("id_number")),
    }


@router.get("/users", response=list[UserOut], summary="Users within the caller's data scope")
@paginate(LimitOffsetPagination)
def list_users(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    _need(request, "platform.manage_users")
    return [_user_out(request, u) for u in selectors.users_visible_to(request.user, query=q)]


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserIn) -> Status:
    from django.core.exceptions import ValidationError

    from postloan.platform.models import OrgUnit

    roles = list(Role.objects.filter(code__in=payload.roles))
    missing = sorted(set(payload.roles) - {r.code for r in roles})
    if missing:
        raise ValidationError({"roles": f"unknown roles: {', '.join(missing)}"})
    org_unit = None
    if payload.org_unit_id is not None:
        org_unit = OrgUnit.objects.filter(
            pk=payload.org_unit_id, institution=request.user.institution
        ).first()
        if org_unit is None:
            raise ValidationError({"org_unit_id": "no such organisation unit"})
    user = services.create_user(
        actor=request.user,
        institution=request.user.institution,
        username=payload.username,
        password=payload.password,
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        org_unit=org_unit,
        roles=roles,
        data_scope=payload.data_scope,
    )
    return Status(201, _user_out(request, user))


class SettingOut(Schema):
    key: str
    type: str
    value: Any
    default: Any
    is_default: bool


class SettingIn(Schema):
    value: Any


@router.get("/settings", response=list[SettingOut])
def list_settings(request: HttpRequest) -> list[dict[str, Any]]:
    _need(request, "platform.manage_settings")
    view = runtime_config.for_institution(request.user.institution)
    return [
        {"key": k, "type": s.type, "value": view[k], "default": s.default, "is_default": view.is_default(k)}
        for k, s in runtime_config.catalogue().items()
    ]


@router.put("/settings/{key}", response=SettingOut)
def put_setting(request: HttpRequest, key: str, payload: SettingIn) -> dict[str, Any]:
    value = services.update_setting(
        actor=request.user, institution=request.user.institution, key=key, raw=payload.value
    )
    spec = runtime_config.spec(key)
    return {
        "key": key,
        "type": spec.type,
        "value": value,
        "default": spec.default,
        "is_default": runtime_config.for_institution(request.user.institution).is_default(key),
    }


class AuditOut(Schema):
    seq: int
    created_at: dt.datetime
    actor_username: str
    request_id: str
    object_type: str
    object_id: str
    action: str
    before: Any
    after: Any
    hash: str


class AuditFilter(Schema):
    actor_username: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    request_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.get("/audit", response=list[AuditOut])
@paginate(LimitOffsetPagination)
def list_audit(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    _need(request, "platform.view_audit")
    return selectors.audit_entries(**filters.dict())


class VerifyOut(Schema):
    intact: bool
    first_bad_seq: int | None
    reason: str


@router.get("/audit/verify", response=VerifyOut, summary="Check the audit hash chain")
def verify_audit(request: HttpRequest) -> dict[str, Any]:
    _need(request, "platform.view_audit")
    broken = selectors.audit_chain_break()
    return {
        "intact": broken is None,
        "first_bad_seq": broken.seq if broken else None,
        "reason": broken.reason if broken else "",
    }


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scopes: list[str] = ["read"]
    days: int | None = Field(None, ge=1, le=3650)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> Any:
    return selectors.api_tokens_of(request.user)


@router.post(
    "/tokens", response={201: TokenCreatedOut}, summary="Create a token; the secret is returned once"
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    token, clear = services.create_api_token(
        actor=request.user, name=payload.name, scopes=payload.scopes, days=payload.days
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": clear})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_api_token(actor=request.user, token=token)
    return Status(204, None)
