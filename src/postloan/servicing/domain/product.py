"""Loan product configuration: what an institution sets per product, validated into a typed value.

A product's configuration is versioned; a loan keeps the version it was booked under.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from postloan.platform.domain.i18n import _
from postloan.servicing.domain.ledger import COMPONENTS, AllocationMode, OverpaymentMode
from postloan.servicing.domain.schedule import Method

PRODUCT_TYPES = ("cash_loan", "consumer_instalment", "auto", "mortgage", "sme", "revolving")
PRODUCT_TYPE_LABELS = {
    "cash_loan": _("Cash loan"),
    "consumer_instalment": _("Consumer instalment"),
    "auto": _("Auto loan"),
    "mortgage": _("Mortgage"),
    "sme": _("SME loan"),
    "revolving": _("Credit-card-style revolving balance"),
}
METHOD_LABELS = {
    Method.EQUAL_INSTALLMENT: _("Equal instalment (等额本息)"),
    Method.EQUAL_PRINCIPAL: _("Equal principal (等额本金)"),
    Method.INTEREST_ONLY: _("Interest only, principal at maturity (先息后本)"),
    Method.BULLET: _("Bullet: principal and interest at maturity (到期一次还本付息)"),
}
CLASSIFICATION_RULE_SETS = ("standard", "credit_card")
DEFAULT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("M0", 0, 0),
    ("M1", 1, 30),
    ("M2", 31, 60),
    ("M3", 61, 90),
    ("M4", 91, 120),
    ("M5", 121, 150),
    ("M6", 151, 180),
    ("M7+", 181, None),
)


@dataclass(frozen=True)
class ProductConfig:
    product_type: str = "cash_loan"
    method: str = Method.EQUAL_INSTALLMENT.value
    term: int = 12
    annual_rate: Decimal = Decimal("0.1200")
    day_count: int = 365  # ACT/365 or ACT/360 for daily accruals
    grace_days: int = 0
    penalty_markup: Decimal = Decimal("0.50")  # penalty rate = contract rate × (1 + markup)
    compound_penalty: bool = False  # 复利 on overdue interest
    cost_cap: Decimal | None = Decimal("0.24")  # total annual cost cap, None for no cap
    allocation_order: tuple[str, ...] = ("fee", "penalty", "interest", "principal")
    allocation_mode: str = AllocationMode.INSTALMENT_FIRST.value
    overpayment: str = OverpaymentMode.PREPAY.value
    settlement_fee_rate: Decimal = Decimal("0")
    tolerance: Decimal = Decimal("0")
    buckets: tuple[tuple[str, int, int | None], ...] = field(default=DEFAULT_BUCKETS)
    classification_rule_set: str = "standard"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Decimal):
                data[key] = str(value)
            elif isinstance(value, tuple):
                data[key] = [list(v) if isinstance(v, tuple) else v for v in value]
        return data


Errors = dict[str, tuple[str, dict[str, Any]]]  # field -> (msgid, parameters)


class ProductConfigError(ValueError):
    def __init__(self, errors: Errors) -> None:
        super().__init__("; ".join(f"{k}: {m % p}" for k, (m, p) in errors.items()))
        self.errors = errors


def _decimal(raw: Any, key: str, errors: Errors, lo: str, hi: str) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        errors[key] = (_("Enter a number."), {})
        return None
    if not value.is_finite() or not Decimal(lo) <= value <= Decimal(hi):
        errors[key] = (_("Enter a value between %(lo)s and %(hi)s."), {"lo": lo, "hi": hi})
        return None
    return value


def _int(raw: Any, key: str, errors: Errors, lo: int, hi: int) -> int | None:
    try:
        value = int(str(raw))
    except ValueError:
        errors[key] = (_("Enter a whole number."), {})
        return None
    if not lo <= value <= hi:
        errors[key] = (_("Enter a value between %(lo)s and %(hi)s."), {"lo": lo, "hi": hi})
        return None
    return value


def parse(data: dict[str, Any]) -> ProductConfig:
    """Validate raw configuration (from a form, the API or JSON); raise ProductConfigError with a
    message per field. Messages are msgids; callers translate them."""
    base = ProductConfig()
    errors: Errors = {}
    values: dict[str, Any] = {}

    def pick(key: str) -> Any:
        return data.get(key, getattr(base, key))

    if pick("product_type") not in PRODUCT_TYPES:
        errors["product_type"] = (_("Unknown product type."), {})
    values["product_type"] = pick("product_type")
    if pick("method") not in {m.value for m in Method}:
        errors["method"] = (_("Unknown repayment method."), {})
    values["method"] = pick("method")
    values["term"] = _int(pick("term"), "term", errors, 1, 480)
    values["annual_rate"] = _decimal(pick("annual_rate"), "annual_rate", errors, "0", "1")
    values["day_count"] = _int(pick("day_count"), "day_count", errors, 360, 365)
    if values["day_count"] not in (None, 360, 365):
        errors["day_count"] = (_("Day count is 360 or 365."), {})
    values["grace_days"] = _int(pick("grace_days"), "grace_days", errors, 0, 30)
    values["penalty_markup"] = _decimal(pick("penalty_markup"), "penalty_markup", errors, "0", "1")
    values["compound_penalty"] = str(pick("compound_penalty")).lower() in ("true", "1", "on", "yes")
    cap = pick("cost_cap")
    values["cost_cap"] = None if cap in (None, "", "none") else _decimal(cap, "cost_cap", errors, "0", "1")
    order = pick("allocation_order")
    order = tuple(order.split(",") if isinstance(order, str) else order)
    order = tuple(o.strip() for o in order)
    if sorted(order) != sorted(COMPONENTS):
        errors["allocation_order"] = (
            _("List each of fee, penalty, interest and principal exactly once."),
            {},
        )
    values["allocation_order"] = order
    if pick("allocation_mode") not in {m.value for m in AllocationMode}:
        errors["allocation_mode"] = (_("Unknown allocation mode."), {})
    values["allocation_mode"] = pick("allocation_mode")
    if pick("overpayment") not in {m.value for m in OverpaymentMode}:
        errors["overpayment"] = (_("Unknown overpayment handling."), {})
    values["overpayment"] = pick("overpayment")
    values["settlement_fee_rate"] = _decimal(
        pick("settlement_fee_rate"), "settlement_fee_rate", errors, "0", "0.1"
    )
    values["tolerance"] = _decimal(pick("tolerance"), "tolerance", errors, "0", "100")
    values["buckets"] = _buckets(pick("buckets"), errors)
    if pick("classification_rule_set") not in CLASSIFICATION_RULE_SETS:
        errors["classification_rule_set"] = (_("Unknown classification rule set."), {})
    values["classification_rule_set"] = pick("classification_rule_set")
    if errors:
        raise ProductConfigError(errors)
    return ProductConfig(**values)


def _buckets(raw: Any, errors: Errors) -> tuple[tuple[str, int, int | None], ...]:
    """Bucket table: contiguous DPD ranges from 0, the last open-ended."""
    try:
        rows = tuple((str(r[0]), int(r[1]), None if r[2] in (None, "") else int(r[2])) for r in raw)
    except (TypeError, ValueError, IndexError):
        errors["buckets"] = (_("Each bucket is [label, from DPD, to DPD]."), {})
        return DEFAULT_BUCKETS
    expected = 0
    for i, (_label, lo, hi) in enumerate(rows):
        last = i == len(rows) - 1
        if lo != expected or (hi is None) != last or (hi is not None and hi < lo):
            errors["buckets"] = (
                _("Buckets must cover DPD from 0 without gaps; only the last is open-ended."),
                {},
            )
            return DEFAULT_BUCKETS
        expected = (hi or 0) + 1
    return rows


def from_json(data: dict[str, Any]) -> ProductConfig:
    return parse(data)
