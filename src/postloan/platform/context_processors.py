"""Template context for the web shell: menu, institution, business date, theme, language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from postloan.platform import menu


def _topbar_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Small status badges enabled modules put in the top bar (app config topbar_item(request))."""
    from django.apps import apps

    from postloan import modules
    from postloan.platform import runtime_config

    enabled = set(runtime_config.for_request(request).enabled_modules()) & set(modules.served_codes())
    items = []
    for module in modules.CATALOGUE:
        config = apps.get_app_config(module.app.rsplit(".", 1)[-1])
        if module.code in enabled and hasattr(config, "topbar_item"):
            item = config.topbar_item(request)
            if item:
                items.append(item)
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"theme": request.COOKIES.get("postloan_theme", "light"), "languages": settings.LANGUAGES}
    institution = user.institution
    return {
        "topbar_items": _topbar_items(request),
        "menu": menu.build(request),
        "institution": institution,
        "business_date": institution.business_date if institution else None,
        "theme": user.theme,
        "languages": settings.LANGUAGES,
        "production": settings.PRODUCTION,
    }
