"""Data scope: which records a user may see, by organisation unit and assignment.

Org units form a tree stored as materialized paths (`/1/4/9/`); a unit's subtree is every path
that starts with its own. Later modules declare which of their fields carry the org unit and the
assignee, and the platform filters their querysets with these rules.
"""

from __future__ import annotations

from enum import StrEnum

from postloan.platform.domain.i18n import _


class Scope(StrEnum):
    OWN = "own"  # records assigned to the user
    UNIT = "unit"  # records of the user's own org unit
    SUBTREE = "subtree"  # the user's unit and everything below it
    ALL = "all"  # the whole institution


SCOPE_LABELS = {
    Scope.OWN: _("Assigned records only"),
    Scope.UNIT: _("Own organisation unit"),
    Scope.SUBTREE: _("Own unit and sub-units"),
    Scope.ALL: _("Whole institution"),
}


def child_path(parent_path: str, unit_id: int) -> str:
    return f"{parent_path or '/'}{unit_id}/"


def in_subtree(path: str, root_path: str) -> bool:
    return path.startswith(root_path)
