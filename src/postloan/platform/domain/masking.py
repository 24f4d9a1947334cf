"""Masking of personal data for display (JR/T 0171-2020 style: keep a head and a tail)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MaskRule:
    keep_head: int
    keep_tail: int


# Defaults from PRODUCT.md: ID 3+4, phone 3+4, card 6+4. Institutions override them in runtime settings.
DEFAULT_RULES: dict[str, MaskRule] = {
    "id_number": MaskRule(3, 4),
    "phone": MaskRule(3, 4),
    "bank_card": MaskRule(6, 4),
    "address": MaskRule(6, 0),
}


def mask(value: str | None, rule: MaskRule, char: str = "*") -> str:
    """`mask("13812341234", MaskRule(3, 4))` -> `138****1234`.

    A value too short to hide anything while keeping head and tail is masked completely, so a
    short value never leaks whole.
    """
    if not value:
        return ""
    n = len(value)
    if rule.keep_head + rule.keep_tail >= n:
        return char * n
    tail = value[n - rule.keep_tail :] if rule.keep_tail else ""
    return value[: rule.keep_head] + char * (n - rule.keep_head - rule.keep_tail) + tail


_PATTERNS = [
    # 18-digit resident ID (last may be X), before the generic digit run.
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    # Bank cards: 15-19 digits.
    re.compile(r"(?<!\d)\d{15,19}(?!\d)"),
    # Mainland mobile numbers, optionally with +86.
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"),
]


def redact_text(text: str) -> str:
    """Replace anything that looks like an ID number, card or mobile number with `[REDACTED]`."""
    for pattern in _PATTERNS:
        text = pattern.sub("[REDACTED]", text)
    return text


def normalize(kind: str, value: str) -> str:
    """Canonical form used for keyed-hash lookup: spaces/dashes removed, ID check letter upper-case."""
    value = re.sub(r"[\s-]", "", value or "")
    if kind == "phone" and value.startswith("+86"):
        value = value[3:]
    if kind == "id_number":
        value = value.upper()
    return value
