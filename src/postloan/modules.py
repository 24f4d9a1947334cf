"""The module catalogue: which bounded-context apps exist and which this process serves.

Every module app is always installed (its tables migrate with the rest); `postloan serve --modules`
and the institution's runtime switch only decide which ones are routed and shown in the menu.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from postloan.platform.domain.i18n import _


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    app: str  # dotted path of the Django app
    label: str  # English msgid, translated at render time
    icon: str = "ti-box"


# Order is the menu order. The platform is not listed: it is always on.
CATALOGUE: tuple[ModuleSpec, ...] = (
    ModuleSpec("servicing", "postloan.servicing", _("Servicing"), "ti-building-bank"),
    ModuleSpec("eod", "postloan.eod", _("End of day"), "ti-calendar-time"),
)


def module_apps() -> list[str]:
    return [m.app for m in CATALOGUE]


def known_codes() -> list[str]:
    return [m.code for m in CATALOGUE]


def served_codes() -> list[str]:
    """Modules this process serves: `POSTLOAN_MODULES` (set by `postloan serve --modules`) or all."""
    wanted = [c.strip() for c in os.environ.get("POSTLOAN_MODULES", "").split(",") if c.strip()]
    if not wanted:
        return known_codes()
    return [c for c in known_codes() if c in wanted]


def unknown_codes(codes: list[str]) -> list[str]:
    return [c for c in codes if c not in known_codes() and c != "platform"]
