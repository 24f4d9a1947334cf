"""Starting end-of-day runs (permission-checked); the work itself is in runner.py and batch.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from postloan.eod import runner
from postloan.eod.models import EodRun
from postloan.platform import services as platform


def start(
    *,
    actor: Any,
    institution: Any,
    date: dt.date | None = None,
    until: dt.date | None = None,
    rerun: bool = False,
) -> list[EodRun]:
    if actor is not None:
        platform.require(actor, "eod.run")
    try:
        return runner.run(institution, date=date, until=until, rerun=rerun, actor=actor)
    except runner.EodError as exc:
        raise ValidationError(str(exc)) from None
