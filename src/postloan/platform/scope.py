"""Data-scope filtering for querysets. Modules plug in by naming, on their model, the field that
holds the org unit and the field that holds the assigned user:

    class Case(models.Model):
        scope_org_field = "org_unit"
        scope_owner_field = "assignee"

`visible(qs, user)` then returns only the rows the user's scope allows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from postloan.platform.domain.scope import Scope


def visible(qs: QuerySet, user: Any) -> QuerySet:
    model = qs.model
    org_field = getattr(model, "scope_org_field", None)
    owner_field = getattr(model, "scope_owner_field", None)
    if user.is_superuser or user.data_scope == Scope.ALL:
        return qs.filter(**_institution_filter(model, user))
    qs = qs.filter(**_institution_filter(model, user))
    owner_q = Q(**{owner_field: user.pk}) if owner_field else Q(pk__in=[])
    if user.data_scope == Scope.OWN or user.org_unit_id is None or not org_field:
        return qs.filter(owner_q)
    if user.data_scope == Scope.UNIT:
        return qs.filter(Q(**{org_field: user.org_unit_id}) | owner_q)
    return qs.filter(Q(**{f"{org_field}__path__startswith": user.org_unit.path}) | owner_q)


def _institution_filter(model: Any, user: Any) -> dict[str, Any]:
    field = getattr(model, "scope_institution_field", None)
    return {field: user.institution_id} if field else {}


def can_see(obj: Any, user: Any) -> bool:
    return visible(type(obj).objects.filter(pk=obj.pk), user).exists()
