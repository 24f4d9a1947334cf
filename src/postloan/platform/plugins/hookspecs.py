"""The postloan plugin API: every hook a plugin may implement.

A plugin is a module or object with functions decorated by `postloan.platform.plugins.hookimpl`
and named like the specs below. Publish it through the `postloan.plugins` entry-point group:

    [project.entry-points."postloan.plugins"]
    acme = "acme_postloan.plugin"

The plugin object may declare `name`, `version` and `required_settings` (names of Django settings
that must be set); the manager checks them at start-up and refuses to load a plugin whose required
settings are missing. `POSTLOAN_PLUGINS` (comma list) restricts which discovered plugins load.

Hooks return lists (every plugin contributes) unless marked `firstresult` (the first plugin that
answers decides). Later modules add their own hooks here; each is documented where it is declared.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("postloan")
hookimpl = pluggy.HookimplMarker("postloan")


@hookspec
def postloan_setting_specs() -> list[Any]:
    """Contribute runtime settings (a list of `platform.domain.runtime_settings.SettingSpec`).

    They appear on the settings screen under their group, are typed, validated and audited like
    the platform's own, and are read with `runtime_config.for_institution(inst)[key]`.
    """


@hookspec
def postloan_permissions() -> list[Any]:
    """Contribute permissions (a list of `platform.domain.permissions.Permission`) that roles can grant."""


@hookspec
def postloan_menu_items(user: Any) -> list[dict[str, str]]:
    """Contribute menu entries for `user`: dicts with `label`, `url`, `icon` (a Tabler icon class)
    and optional `permission` (the entry is shown only if the user has it)."""


@hookspec
def postloan_audit_recorded(entry: dict[str, Any]) -> None:
    """Called after every audit entry is written (a dict of its fields, PII already masked).

    Use it to forward the trail to a SIEM or an outbox; it must not raise.
    """


@hookspec(firstresult=True)
def postloan_business_calendar(institution_code: str) -> Any:
    """Return an object with `is_business_day(date) -> bool` for the institution, or None to leave
    it to the next plugin (the default treats every day as a business day)."""


@hookspec
def postloan_eod_steps() -> dict[str, Any]:
    """Contribute end-of-day steps: {code: step}. A step is `step(institution_id, business_date, lo, hi)
    -> rows`, called once per loan partition (loan ids lo..hi) inside the transaction that also
    records its checkpoint; it must be idempotent for a date (a rerun calls it again). Administrators
    place the code in the `eod.steps` setting to run it."""


@hookspec
def postloan_startup(settings: Any) -> None:
    """Called once when the plugin manager is built; validate configuration, register signals."""


@hookspec
def postloan_history_restated(institution_id: int, histories: dict[int, list[Any]]) -> None:
    """A ledger change reached back into closed business days (a backdated payment, a reversal):
    `histories` maps each loan id to its state at the end of every closed day from the change's value
    date on, as the replay recomputed them (`servicing.domain.timeline.DayState`: day, DPD, outstanding
    principal, overdue principal, overdue total). Modules keeping per-day history rebuild it from
    these (the end of day rewrites buckets and classification). Called inside the change's transaction.
    """


@hookspec
def postloan_evaluate_promises(institution_id: int, business_date: Any, lo: int, hi: int) -> int:
    """End of day, step `promises`: decide the promises to pay (PTP) of loans lo..hi that fell due on
    `business_date`: kept when the ledger shows them paid by then, otherwise broken. Return how many
    were decided. The collections module implements it; it runs inside the partition's transaction
    with its checkpoint and must be idempotent for a date."""
