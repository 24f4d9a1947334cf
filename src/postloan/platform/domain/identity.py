"""Chinese resident identity numbers (GB 11643-1999) and mainland mobile numbers."""

from __future__ import annotations

import re

_ID18 = re.compile(r"^\d{17}[\dX]$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def with_check_character(first17: str) -> str:
    return first17 + check_character(first17)


def is_valid_id_number(value: str) -> bool:
    return bool(_ID18.match(value)) and check_character(value[:17]) == value[17]


def is_valid_mobile(value: str) -> bool:
    return bool(_PHONE.match(value))
