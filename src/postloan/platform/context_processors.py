"""Template context for the web shell: menu, institution, business date, theme, language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from postloan.platform import menu


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"theme": request.COOKIES.get("postloan_theme", "light"), "languages": settings.LANGUAGES}
    institution = user.institution
    return {
        "menu": menu.build(request),
        "institution": institution,
        "business_date": institution.business_date if institution else None,
        "theme": user.theme,
        "languages": settings.LANGUAGES,
        "production": settings.PRODUCTION,
    }
