"""The published data standard (docs/data-standard.md): every importable entity, its fields, types,
formats and allowed values. Import validation, export formatting and the docs all read this."""

from __future__ import annotations

from dataclasses import dataclass, field

from postloan.platform.domain.i18n import _


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # text, date, money, rate, int, code, id_number, mobile
    required: bool = False
    allowed: tuple[str, ...] = ()
    max_length: int = 200
    description: str = ""


@dataclass(frozen=True)
class EntitySpec:
    name: str
    key: tuple[str, ...]  # natural key: identifies a row across imports
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    references: tuple[tuple[str, str], ...] = ()  # (field, entity it must exist in)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


CHANNELS = ("bank_transfer", "withholding", "counter", "online", "other")

ENTITIES: dict[str, EntitySpec] = {
    "customers": EntitySpec(
        "customers",
        key=("customer_no",),
        fields=(
            FieldSpec(
                "customer_no",
                "code",
                True,
                max_length=40,
                description=_("Customer number in the core system"),
            ),
            FieldSpec("name", "text", True, max_length=100, description=_("Full name")),
            FieldSpec(
                "id_type", "code", False, ("resident_id", "passport", "other"), description=_("ID type")
            ),
            FieldSpec(
                "id_number",
                "id_number",
                False,
                max_length=30,
                description=_("ID number; an 18-digit resident ID must pass the GB 11643 check digit"),
            ),
            FieldSpec("birth_date", "date", False, description=_("YYYY-MM-DD")),
            FieldSpec("gender", "code", False, ("M", "F", "U"), description=_("M, F or U")),
            FieldSpec("mobile", "mobile", False, description=_("11-digit mainland mobile number")),
            FieldSpec("region", "text", False, max_length=60, description=_("City or region")),
            FieldSpec("segment", "text", False, max_length=40, description=_("Customer segment")),
            FieldSpec("employer", "text", False, max_length=200, description=_("Employer")),
            FieldSpec("occupation", "text", False, max_length=100, description=_("Occupation")),
            FieldSpec("monthly_income", "money", False, description=_("Monthly income, yuan, 2 decimals")),
            FieldSpec("assets", "money", False, description=_("Assets, yuan")),
            FieldSpec("liabilities", "money", False, description=_("Liabilities, yuan")),
            FieldSpec("monthly_obligations", "money", False, description=_("Monthly debt payments, yuan")),
            FieldSpec(
                "org_unit_code",
                "code",
                False,
                max_length=32,
                description=_("Organisation unit that owns the customer (code)"),
            ),
        ),
        references=(("org_unit_code", "org_units"),),
    ),
    "loans": EntitySpec(
        "loans",
        key=("loan_no",),
        fields=(
            FieldSpec("loan_no", "code", True, max_length=40, description=_("Loan (contract) number")),
            FieldSpec(
                "customer_no", "code", True, max_length=40, description=_("Borrower's customer number")
            ),
            FieldSpec("product_code", "code", True, max_length=40, description=_("Loan product code")),
            FieldSpec("principal", "money", True, description=_("Disbursed principal, yuan")),
            FieldSpec("annual_rate", "rate", False, description=_("Annual rate as a fraction, e.g. 0.0435")),
            FieldSpec("term", "int", False, description=_("Number of monthly instalments")),
            FieldSpec("disbursed_on", "date", True, description=_("Disbursement date, YYYY-MM-DD")),
        ),
        references=(("customer_no", "customers"),),
    ),
    "repayments": EntitySpec(
        "repayments",
        key=("external_id",),
        fields=(
            FieldSpec(
                "external_id",
                "code",
                True,
                max_length=80,
                description=_("Transaction id in the payment system"),
            ),
            FieldSpec("loan_no", "code", True, max_length=40, description=_("Loan number")),
            FieldSpec("amount", "money", True, description=_("Amount received, yuan")),
            FieldSpec("value_date", "date", True, description=_("Value date, YYYY-MM-DD")),
            FieldSpec("channel", "code", True, CHANNELS, description=_("Payment channel")),
        ),
        references=(("loan_no", "loans"),),
    ),
}
