"""Institution-level runtime settings: typed reads with defaults, effective without restart.

Reads go to the database (one query per request, memoized on the request) so every worker
process sees a change at its next request; there is no process-local cache to invalidate.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from postloan.modules import known_codes
from postloan.platform.domain.masking import MaskRule
from postloan.platform.domain.runtime_settings import SettingSpec, platform_specs
from postloan.platform.models import Institution, RuntimeSetting


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, SettingSpec]:
    from postloan.platform.plugins import manager

    specs = platform_specs(known_codes())
    for contributed in manager.hook().postloan_setting_specs():
        specs.extend(contributed or [])
    return {s.key: s for s in specs}


def catalogue() -> dict[str, SettingSpec]:
    return _catalogue()


def spec(key: str) -> SettingSpec:
    return _catalogue()[key]


class SettingsView:
    """All values of one institution, loaded in one query."""

    def __init__(self, institution: Institution | None) -> None:
        stored = (
            dict(RuntimeSetting.objects.filter(institution=institution).values_list("key", "value"))
            if institution is not None
            else {}
        )
        self._values = {k: stored.get(k, s.default) for k, s in _catalogue().items()}
        self._stored = stored

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def is_default(self, key: str) -> bool:
        return key not in self._stored

    def mask_rule(self, kind: str) -> MaskRule:
        return MaskRule(int(self._values[f"mask.{kind}.head"]), int(self._values[f"mask.{kind}.tail"]))

    def enabled_modules(self) -> list[str]:
        return list(self._values["modules.enabled"])


def for_institution(institution: Institution | None) -> SettingsView:
    return SettingsView(institution)


def for_request(request: Any) -> SettingsView:
    cached = getattr(request, "_postloan_settings", None)
    if cached is None:
        user = getattr(request, "user", None)
        institution = getattr(user, "institution", None) if user and user.is_authenticated else None
        cached = SettingsView(institution)
        request._postloan_settings = cached
    return cached
