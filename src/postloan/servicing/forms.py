"""Forms for servicing screens (validation of shape; the services check the business rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from postloan.platform.forms import StyledForm
from postloan.servicing.domain import product as P
from postloan.servicing.domain.ledger import AllocationMode, OverpaymentMode
from postloan.servicing.models import Contact, Customer, CustomFieldDef, Product, Repayment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CustomerSearchForm(StyledForm):
    q = forms.CharField(label=_("Search"), required=False)


class CustomFieldsMixin(StyledForm):
    """Adds the institution's custom fields for an entity and splits them out of cleaned data."""

    custom_keys: list[tuple[str, str]]

    def add_custom_fields(self, institution: Any, entity: str) -> None:
        self.custom_keys = []
        for definition in CustomFieldDef.objects.filter(institution=institution, entity=entity):
            name = f"custom__{definition.key}"
            self.fields[name] = custom_field(definition)
            self.custom_keys.append((name, definition.key))
        self.style_fields()

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(standard fields, custom attributes) from cleaned data."""
        data = dict(self.cleaned_data)
        custom = {key: data.pop(name) for name, key in self.custom_keys}
        custom = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in custom.items()
            if v not in (None, "")
        }
        return data, custom


class CustomerForm(CustomFieldsMixin):
    customer_no = forms.CharField(label=_("Customer number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Customer.IdType.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    gender = forms.ChoiceField(label=_("Gender"), choices=Customer.Gender.choices)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    region = forms.CharField(label=_("Region"), max_length=60, required=False)
    segment = forms.CharField(label=_("Segment"), max_length=40, required=False)
    employer = forms.CharField(label=_("Employer"), max_length=200, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    monthly_income = forms.DecimalField(
        label=_("Monthly income"), required=False, min_value=0, decimal_places=2
    )
    assets = forms.DecimalField(label=_("Assets"), required=False, min_value=0, decimal_places=2)
    liabilities = forms.DecimalField(label=_("Liabilities"), required=False, min_value=0, decimal_places=2)
    monthly_obligations = forms.DecimalField(
        label=_("Monthly obligations"), required=False, min_value=0, decimal_places=2
    )

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_custom_fields(institution, "customer")


class ContactForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Contact.Kind.choices)
    value = forms.CharField(label=_("Number / address"), max_length=300)
    label = forms.CharField(label=_("Label"), max_length=40, required=False)
    relation = forms.ChoiceField(label=_("Relation"), choices=Contact.Relation.choices)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    is_emergency = forms.BooleanField(label=_("Emergency contact"), required=False)


class FlagsForm(StyledForm):
    do_not_contact = forms.BooleanField(label=_("Do not contact"), required=False)
    dispute = forms.BooleanField(label=_("In dispute"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class BookLoanForm(CustomFieldsMixin):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    loan_no = forms.CharField(label=_("Loan number"), max_length=40)
    principal = forms.DecimalField(label=_("Principal"), min_value=0.01, decimal_places=2, max_digits=16)
    term = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=480, required=False)
    annual_rate = forms.DecimalField(
        label=_("Annual rate (e.g. 0.0435)"), min_value=0, max_value=1, decimal_places=6, required=False
    )
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE)

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(institution=institution, active=True)
        self.add_custom_fields(institution, "loan")


class RepaymentForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, decimal_places=2, max_digits=16)
    value_date = forms.DateField(label=_("Value date"), widget=DATE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Repayment.Channel.choices)
    external_id = forms.CharField(label=_("External transaction id"), max_length=80, required=False)


class SettleForm(StyledForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Repayment.Channel.choices)
    external_id = forms.CharField(label=_("External transaction id"), max_length=80, required=False)


class ReverseForm(StyledForm):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=300)


class WaiverForm(StyledForm):
    penalty = forms.DecimalField(label=_("Penalty interest"), min_value=0, decimal_places=2, required=False)
    interest = forms.DecimalField(label=_("Interest"), min_value=0, decimal_places=2, required=False)
    fee = forms.DecimalField(label=_("Fees"), min_value=0, decimal_places=2, required=False)
    principal = forms.DecimalField(label=_("Principal"), min_value=0, decimal_places=2, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class WriteOffForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RestructureForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Treatment"),
        choices=[
            ("payment_plan", _("Payment plan: split arrears over N periods")),
            ("extend_term", _("Term extension by N periods")),
            ("reduce_rate", _("Rate reduction")),
            ("capitalise", _("Capitalise arrears")),
        ],
    )
    periods = forms.IntegerField(label=_("Periods (N)"), min_value=1, max_value=120, required=False)
    new_rate = forms.DecimalField(
        label=_("New annual rate"), min_value=0, max_value=1, decimal_places=6, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in ("payment_plan", "extend_term") and not data.get("periods"):
            self.add_error("periods", _("Enter the number of periods."))
        if kind == "reduce_rate" and data.get("new_rate") is None:
            self.add_error("new_rate", _("Enter the new rate."))
        return data


class RecoveryForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, decimal_places=2, max_digits=16)
    value_date = forms.DateField(label=_("Value date"), widget=DATE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Repayment.Channel.choices)
    external_id = forms.CharField(label=_("External transaction id"), max_length=80, required=False)


class ConsentForm(StyledForm):
    purpose = forms.CharField(label=_("Purpose"), max_length=100)
    granted_on = forms.DateField(label=_("Granted on"), widget=DATE)
    channel = forms.CharField(label=_("Channel"), max_length=40)


class CustomFieldForm(StyledForm):
    entity = forms.ChoiceField(label=_("Applies to"), choices=CustomFieldDef.Entity.choices)
    key = forms.SlugField(label=_("Key"), max_length=40)
    label = forms.CharField(label=_("Label"), max_length=100)
    type = forms.ChoiceField(label=_("Type"), choices=CustomFieldDef.Type.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices (comma list, for the choice type)"), max_length=500, required=False
    )


def custom_field(definition: CustomFieldDef) -> forms.Field:
    """A form field for an institution-defined attribute (the service validates the value again)."""
    kwargs: dict[str, Any] = {"label": definition.label, "required": definition.required}
    if definition.type == "integer":
        return forms.IntegerField(**kwargs)
    if definition.type == "decimal":
        return forms.DecimalField(**kwargs)
    if definition.type == "date":
        return forms.DateField(widget=DATE, **kwargs)
    if definition.type == "boolean":
        return forms.BooleanField(**{**kwargs, "required": False})
    if definition.type == "choice":
        return forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in definition.choices]], **kwargs)
    return forms.CharField(max_length=200, **kwargs)


class DecisionForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ProductForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    product_type = forms.ChoiceField(
        label=_("Product type"), choices=[(k, _(v)) for k, v in P.PRODUCT_TYPE_LABELS.items()]
    )
    method = forms.ChoiceField(
        label=_("Repayment method"), choices=[(k.value, _(v)) for k, v in P.METHOD_LABELS.items()]
    )
    term = forms.IntegerField(label=_("Default term (months)"), min_value=1, max_value=480)
    annual_rate = forms.DecimalField(
        label=_("Default annual rate"), decimal_places=6, min_value=0, max_value=1
    )
    day_count = forms.TypedChoiceField(
        label=_("Day count"), coerce=int, choices=[(365, "ACT/365"), (360, "ACT/360")]
    )
    grace_days = forms.IntegerField(label=_("Grace days"), min_value=0, max_value=30)
    penalty_markup = forms.DecimalField(
        label=_("Penalty mark-up over the contract rate"), decimal_places=4, min_value=0, max_value=1
    )
    compound_penalty = forms.BooleanField(
        label=_("Penalty on overdue interest (compounding)"), required=False
    )
    cost_cap = forms.DecimalField(
        label=_("Total annual cost cap (blank for none)"),
        decimal_places=4,
        min_value=0,
        max_value=1,
        required=False,
    )
    allocation_order = forms.CharField(
        label=_("Allocation order"),
        max_length=60,
        help_text=_("Comma list of fee, penalty, interest, principal"),
    )
    allocation_mode = forms.ChoiceField(
        label=_("Allocation mode"),
        choices=[
            (AllocationMode.INSTALMENT_FIRST.value, _("Oldest instalment first, then by component")),
            (AllocationMode.COMPONENT_FIRST.value, _("Component first across all due instalments")),
        ],
    )
    overpayment = forms.ChoiceField(
        label=_("Overpayment"),
        choices=[
            (OverpaymentMode.PREPAY.value, _("Prepay principal and re-amortise")),
            (OverpaymentMode.CREDIT.value, _("Keep as credit")),
        ],
    )
    settlement_fee_rate = forms.DecimalField(
        label=_("Early settlement fee rate"), decimal_places=4, min_value=0, max_value=0.1
    )
    tolerance = forms.DecimalField(
        label=_("Shortfall tolerance"), decimal_places=2, min_value=0, max_value=100
    )
    classification_rule_set = forms.ChoiceField(
        label=_("Classification rules"),
        choices=[("standard", _("Standard (loans)")), ("credit_card", _("Credit card (art. 92)"))],
    )
    buckets = forms.CharField(
        label=_("Bucket table"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One bucket a line: label, from DPD, to DPD (blank for the last)"),
    )

    def __init__(self, *args: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:
            self.fields["code"].disabled = True

    def config(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("code"), data.pop("name")
        data["buckets"] = [
            [p.strip() for p in line.split(",")] for line in data["buckets"].splitlines() if line.strip()
        ]
        return data

    @staticmethod
    def initial_from(config: P.ProductConfig) -> dict[str, Any]:
        data = config.to_json()
        data["allocation_order"] = ", ".join(config.allocation_order)
        data["buckets"] = "\n".join(f"{b[0]}, {b[1]}, {'' if b[2] is None else b[2]}" for b in config.buckets)
        data["cost_cap"] = config.cost_cap
        return data
