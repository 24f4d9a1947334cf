"""The left menu: platform entries, then each enabled module's entries, then plugins' entries —
each filtered by the user's permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from postloan import modules


@dataclass(frozen=True)
class MenuItem:
    label: str  # msgid
    url_name: str
    icon: str
    permission: str | tuple[str, ...] | None = None  # a tuple means any of them
    group: str = ""


PLATFORM_ITEMS: tuple[MenuItem, ...] = (
    MenuItem(gettext_noop("Home"), "platform:home", "ti-home"),
    MenuItem(
        gettext_noop("Audit trail"),
        "platform:audit",
        "ti-shield-search",
        "platform.view_audit",
        gettext_noop("Compliance"),
    ),
    MenuItem(
        gettext_noop("Users"),
        "platform:users",
        "ti-users",
        "platform.manage_users",
        gettext_noop("Administration"),
    ),
    MenuItem(
        gettext_noop("Roles"),
        "platform:roles",
        "ti-user-shield",
        "platform.manage_roles",
        gettext_noop("Administration"),
    ),
    MenuItem(
        gettext_noop("Organisation"),
        "platform:org_units",
        "ti-sitemap",
        "platform.manage_org",
        gettext_noop("Administration"),
    ),
    MenuItem(
        gettext_noop("Settings"),
        "platform:settings",
        "ti-settings",
        "platform.manage_settings",
        gettext_noop("Administration"),
    ),
    MenuItem(
        gettext_noop("Business date"),
        "platform:business_date",
        "ti-calendar",
        "platform.set_business_date",
        gettext_noop("Administration"),
    ),
    MenuItem(
        gettext_noop("API tokens"),
        "platform:tokens",
        "ti-key",
        "platform.use_api",
        gettext_noop("Administration"),
    ),
)


def _module_items(module_code: str) -> list[MenuItem]:
    from django.apps import apps

    spec = next(m for m in modules.CATALOGUE if m.code == module_code)
    config = apps.get_app_config(spec.app.rsplit(".", 1)[-1])
    return list(getattr(config, "menu_items", ()))


def _allowed(user: Any, permission: str | tuple[str, ...]) -> bool:
    codes = (permission,) if isinstance(permission, str) else permission
    return any(user.has_perm(code) for code in codes)


def build(request: Any) -> list[dict[str, Any]]:
    """Menu groups for the signed-in user: [{"label": ..., "items": [{label, url, icon, active}]}]."""
    from postloan.platform import runtime_config

    user = request.user
    enabled = set(runtime_config.for_request(request).enabled_modules()) & set(modules.served_codes())
    items: list[MenuItem] = [i for i in PLATFORM_ITEMS if not i.group]
    for module in modules.CATALOGUE:
        if module.code in enabled:
            items.extend(_module_items(module.code))
    items.extend(i for i in PLATFORM_ITEMS if i.group)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item.permission and not _allowed(user, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        groups.setdefault(item.group, []).append(
            {"label": _(item.label), "url": url, "icon": item.icon, "active": active}
        )
    from postloan.platform.plugins import manager

    for contributed in manager.hook().postloan_menu_items(user=user):
        for entry in contributed or []:
            if entry.get("permission") and not user.has_perm(entry["permission"]):
                continue
            groups.setdefault(_("Extensions"), []).append(
                {
                    "label": entry["label"],
                    "url": entry["url"],
                    "icon": entry.get("icon", "ti-puzzle"),
                    "active": request.path.startswith(entry["url"]),
                }
            )
    return [{"label": _(g) if g else "", "items": v} for g, v in groups.items()]
