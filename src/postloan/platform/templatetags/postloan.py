"""Template filters for readable audit entries and role names."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from postloan.platform.domain.audit_labels import ACTION_LABELS, OBJECT_LABELS

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return gettext(label) if label else code


@register.filter
def object_label(code: str) -> str:
    label = OBJECT_LABELS.get(code)
    return gettext(label) if label else code


@register.filter
def percent(rate: object, places: int = 2) -> str:
    """0.0435 -> "4.35%" (rates are stored as fractions)."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(rate)) * 100:.{int(places)}f}%"
    except (InvalidOperation, ValueError):
        return ""


@register.inclusion_tag("includes/changes.html")
def changes(data: object) -> dict[str, object]:
    """A before/after JSON object as a short key → value list."""
    items = list(data.items()) if isinstance(data, dict) else ([("", data)] if data not in (None, "") else [])
    return {"items": items}
