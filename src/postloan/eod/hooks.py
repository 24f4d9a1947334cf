"""The end-of-day module's own contributions through the plugin API: its runtime settings, the
rebuilding of delinquency history after a backdated ledger change."""

from __future__ import annotations

from typing import Any

from postloan.eod.domain import ecl
from postloan.platform.domain.i18n import _
from postloan.platform.domain.runtime_settings import SettingSpec
from postloan.platform.plugins import hookimpl

BUILTIN_STEPS = ("penalty", "delinquency", "promises", "snapshots")


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
        SettingSpec(
            "eod.ecl_table",
            "list",
            list(ecl.DEFAULT_TABLE),
            _("ECL table: stage/bucket/PD/LGD"),
            _("End of day"),
            help=_(
                "Expected credit loss = PD × LGD × exposure. One entry per stage and bucket, "
                "bucket * for the rest of a stage, e.g. 2/M2/0.30/0.45."
            ),
            validate=ecl.validate,
        ),
    ]


@hookimpl
def postloan_history_restated(institution_id: int, histories: dict[int, list[Any]]) -> None:
    from postloan.eod import restate

    restate.rebuild(institution_id, histories)
