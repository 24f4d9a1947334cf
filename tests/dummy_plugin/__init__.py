"""A real plugin that implements every hook in postloan.platform.plugins.hookspecs (used by tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from postloan.platform.domain.permissions import Permission
from postloan.platform.domain.runtime_settings import SettingSpec
from postloan.platform.plugins import hookimpl

name = "dummy"
version = "1.2.3"
required_settings = ("SECRET_KEY",)

received_audit: list[dict[str, Any]] = []
started: list[Any] = []


@hookimpl
def postloan_setting_specs() -> list[SettingSpec]:
    return [SettingSpec("dummy.greeting", "str", "你好", "Greeting", "Dummy plugin", maximum=20)]


@hookimpl
def postloan_permissions() -> list[Permission]:
    return [Permission("dummy.use", "Use the dummy plugin", "Dummy plugin")]


@hookimpl
def postloan_menu_items(user: Any) -> list[dict[str, str]]:
    return [{"label": "Dummy", "url": "/dummy-plugin/", "icon": "ti-puzzle", "permission": "dummy.use"}]


@hookimpl
def postloan_audit_recorded(entry: dict[str, Any]) -> None:
    received_audit.append(entry)


class WeekdayCalendar:
    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() < 5


@hookimpl
def postloan_business_calendar(institution_code: str) -> Any:
    return WeekdayCalendar()


@hookimpl
def postloan_startup(settings: Any) -> None:
    started.append(settings.POSTLOAN_ENV)


eod_calls: list[tuple[int, str, int, int]] = []


def _count_step(institution_id: int, business_date: dt.date, lo: int, hi: int) -> int:
    eod_calls.append((institution_id, business_date.isoformat(), lo, hi))
    return hi - lo + 1


@hookimpl
def postloan_eod_steps() -> dict[str, Any]:
    return {"dummy_count": _count_step}


restated: list[dict[int, Any]] = []


@hookimpl
def postloan_history_restated(institution_id: int, histories: dict[int, list[Any]]) -> None:
    restated.append(histories)


# Promises to pay as the collections module will keep them: loan id → (promised date, amount, made on).
promises: dict[int, tuple[dt.date, Any, dt.date]] = {}
promise_outcomes: dict[int, str] = {}


@hookimpl
def postloan_evaluate_promises(institution_id: int, business_date: dt.date, lo: int, hi: int) -> int:
    from django.db.models import Sum

    from postloan.servicing.models import Repayment

    decided = 0
    for loan_id, (due, amount, made_on) in promises.items():
        if lo <= loan_id <= hi and due == business_date:
            paid = (
                Repayment.objects.filter(
                    loan_id=loan_id, status="posted", value_date__gte=made_on, value_date__lte=due
                ).aggregate(s=Sum("amount"))["s"]
                or 0
            )
            promise_outcomes[loan_id] = "kept" if paid >= amount else "broken"
            decided += 1
    return decided
