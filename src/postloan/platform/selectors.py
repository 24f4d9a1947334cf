"""Read queries for platform screens and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Concat

from postloan.platform import pii, scope
from postloan.platform.models import ApiToken, AuditEntry, Institution, OrgUnit, Role, User


def users_visible_to(actor: User, *, query: str = "") -> QuerySet[User]:
    qs = scope.visible(User.objects.select_related("org_unit").prefetch_related("roles"), actor)
    query = query.strip()
    if query:
        qs = qs.annotate(family_first=Concat("last_name", "first_name"))
        # Exact phone / ID lookups go through the keyed hash; names and usernames by substring.
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(family_first__icontains=query)
            | Q(phone_hash=pii.lookup_hash("phone", query))
            | Q(id_number_hash=pii.lookup_hash("id_number", query))
        )
    return qs.order_by("username")


def roles() -> QuerySet[Role]:
    return Role.objects.all()


def org_units(institution: Institution) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(institution=institution).order_by("path")


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def audit_entries(
    *,
    actor_username: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    request_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    filters: dict[str, Any] = {}
    if actor_username:
        filters["actor_username"] = actor_username
    if object_type:
        filters["object_type"] = object_type
    if object_id:
        filters["object_id"] = object_id
    if action:
        filters["action"] = action
    if request_id:
        filters["request_id"] = request_id
    if date_from:
        filters["created_at__date__gte"] = date_from
    if date_to:
        filters["created_at__date__lte"] = date_to
    return qs.filter(**filters).order_by("-seq")


def audit_chain_break() -> Any:
    """The first row where the hash chain does not hold, or None when intact."""
    from postloan.platform.audit import verify_chain

    return verify_chain()


def audit_facets() -> dict[str, list[str]]:
    return {
        # order_by() clears the model's default ordering, which would otherwise defeat DISTINCT
        "object_types": sorted(
            AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
        ),
        "actions": sorted(AuditEntry.objects.order_by().values_list("action", flat=True).distinct()),
    }
