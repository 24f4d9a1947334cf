"""Which personal-data fields can be revealed on screen, and for whom: each module registers its
object types with a function giving the rows a user may see (their data scope)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class Revealable:
    visible: Callable[[Any], QuerySet]  # user -> queryset of rows the user may see
    fields: frozenset[str]


_REGISTRY: dict[str, Revealable] = {}


def register(object_type: str, visible: Callable[[Any], QuerySet], fields: set[str]) -> None:
    _REGISTRY[object_type] = Revealable(visible, frozenset(fields))


def lookup(object_type: str) -> Revealable | None:
    return _REGISTRY.get(object_type)
