"""Exact money: Decimal rounded half-up to the fen unless a product says otherwise."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


def q(value: Decimal | int | str, unit: Decimal = FEN) -> Decimal:
    """Round half-up to `unit` (0.01 by default)."""
    return Decimal(value).quantize(unit, rounding=ROUND_HALF_UP)


def money(value: Decimal | int | str | float) -> Decimal:
    """Parse an amount exactly; floats go through str() so 0.1 stays 0.10, not 0.1000000000000000055."""
    if isinstance(value, float):
        value = str(value)
    return q(Decimal(value))
