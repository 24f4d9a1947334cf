"""The end-of-day module's own contributions through the plugin API: its runtime settings."""

from __future__ import annotations

from postloan.platform.domain.i18n import _
from postloan.platform.domain.runtime_settings import SettingSpec
from postloan.platform.plugins import hookimpl

BUILTIN_STEPS = ("delinquency", "snapshots")


@hookimpl
def postloan_setting_specs() -> list[SettingSpec]:
    from postloan.eod.runner import available_steps

    return [
        SettingSpec(
            "eod.steps",
            "list",
            list(BUILTIN_STEPS),
            _("End-of-day steps, in order"),
            _("End of day"),
            help=_("Steps run in this order for every business date; plugins may add steps."),
            choices=tuple(available_steps()),
        ),
    ]
