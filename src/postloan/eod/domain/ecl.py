"""IFRS 9 expected credit loss from a PD/LGD table by stage and bucket (ECL = PD × LGD × EAD), until
the risk module supplies PDs per loan.

The table is the `eod.ecl_table` runtime setting: entries `stage/bucket/PD/LGD`, bucket `*` for any
bucket of that stage; an exact bucket wins over `*`. PD and LGD are fractions with at most 4 places,
so the batch can compute in exact integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from postloan.platform.domain.i18n import _
from postloan.platform.domain.runtime_settings import SettingError

DEFAULT_TABLE = (
    "1/*/0.0150/0.4500",
    "2/M2/0.3000/0.4500",
    "2/M3/0.5000/0.5000",
    "2/*/0.3000/0.4500",
    "3/*/1.0000/0.6000",
    "3/M7+/1.0000/0.8000",
)
SCALE = 10**4  # PD and LGD in units of 0.0001


def _fraction(text: str, entry: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SettingError(_("%(entry)s: PD and LGD are numbers such as 0.45."), entry=entry) from None
    if not value.is_finite() or not 0 <= value <= 1 or value != value.quantize(Decimal("0.0001")):
        raise SettingError(
            _("%(entry)s: PD and LGD lie between 0 and 1, with at most 4 decimals."), entry=entry
        )
    return int(value * SCALE)


def parse(entries: Iterable[str]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(stage, bucket): (PD, LGD) in units of 0.0001}; raises SettingError naming the bad entry."""
    table: dict[tuple[int, str], tuple[int, int]] = {}
    for entry in entries:
        parts = [p.strip() for p in str(entry).split("/")]
        if len(parts) != 4 or parts[0] not in ("1", "2", "3") or not parts[1]:
            raise SettingError(
                _("%(entry)s: write stage/bucket/PD/LGD, such as 2/M2/0.30/0.45 (stage 1, 2 or 3)."),
                entry=entry,
            )
        table[(int(parts[0]), parts[1])] = (_fraction(parts[2], entry), _fraction(parts[3], entry))
    for stage in (1, 2, 3):
        if (stage, "*") not in table:
            raise SettingError(
                _("Give a row for every stage with bucket *, such as %(s)s/*/0.02/0.45."), s=stage
            )
    return table


def validate(entries: list[str]) -> None:
    parse(entries)


def rates(table: dict[tuple[int, str], tuple[int, int]], stage: int, bucket: str) -> tuple[int, int]:
    return table.get((stage, bucket)) or table[(stage, "*")]


def ecl_fen(exposure_fen: int, pd: int, lgd: int) -> int:
    """PD × LGD × EAD, half-up to the fen, in integers."""
    scale = SCALE * SCALE
    return (2 * exposure_fen * pd * lgd + scale) // (2 * scale)
