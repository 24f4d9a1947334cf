"""Servicing persistence: customers and their contacts, products and versions, loans, the current
instalment state, schedule versions, repayments, adjustments (waivers, write-offs), recoveries, events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from postloan.platform.fields import EncryptedTextField, LookupHashField
from postloan.platform.models import Institution, OrgUnit, Role

MONEY = {"max_digits": 18, "decimal_places": 2}


class CustomFieldDef(models.Model):
    """Institution-defined attribute for customers or loans (validated on every write)."""

    class Entity(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        LOAN = "loan", _("Loan")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes/no")
        CHOICE = "choice", _("Choice")

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE)
    entity = models.CharField(max_length=10, choices=Entity.choices)
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Type.choices)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "entity", "key"], name="custom_field_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Customer(models.Model):
    scope_org_field = "org_unit"
    scope_owner_field = "owner"
    scope_institution_field = "institution"
    PII_FIELDS = {"id_number": "id_number"}

    class IdType(models.TextChoices):
        RESIDENT = "resident_id", _("Resident ID card")
        PASSPORT = "passport", _("Passport")
        OTHER = "other", _("Other")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")
        UNKNOWN = "U", _("Unknown")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    customer_no = models.CharField(_("customer number"), max_length=40)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_number_hash = LookupHashField(source="id_number", kind="id_number")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN)
    region = models.CharField(_("region"), max_length=60, blank=True, db_index=True)
    segment = models.CharField(_("segment"), max_length=40, blank=True, db_index=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    monthly_income = models.DecimalField(_("monthly income"), null=True, blank=True, **MONEY)
    assets = models.DecimalField(_("assets"), null=True, blank=True, **MONEY)
    liabilities = models.DecimalField(_("liabilities"), null=True, blank=True, **MONEY)
    monthly_obligations = models.DecimalField(_("monthly obligations"), null=True, blank=True, **MONEY)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    dispute = models.BooleanField(_("in dispute"), default=False)
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    import_hash = models.CharField(max_length=40, blank=True)  # fingerprint of the last imported row

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "customer_no"], name="customer_no_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_no})"


class Contact(models.Model):
    PII_FIELDS = {"value": "value"}

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        PHONE = "phone", _("Landline")
        EMAIL = "email", _("Email")
        ADDRESS = "address", _("Address")

    class Relation(models.TextChoices):
        SELF = "self", _("Borrower")
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Sibling")
        FRIEND = "friend", _("Friend")
        COLLEAGUE = "colleague", _("Colleague")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=40, blank=True)  # 本人手机 / 单位 / 家庭 …
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices, default=Relation.SELF)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    value = EncryptedTextField(_("value"), kind="phone")
    value_hash = LookupHashField(source="value", kind="phone")
    is_emergency = models.BooleanField(_("emergency contact"), default=False)
    valid = models.BooleanField(_("valid"), default=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"

    @property
    def mask_kind(self) -> str:
        return {"mobile": "phone", "phone": "phone", "address": "address"}.get(self.kind, "email")


class Consent(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=100)
    granted_on = models.DateField(_("granted on"))
    channel = models.CharField(_("channel"), max_length=40)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    def __str__(self) -> str:
        return self.purpose


class Product(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    current_version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="product_code_unique")]

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    config = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "version"], name="product_version_unique")]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.product.code} v{self.version}"


class Loan(models.Model):
    scope_org_field = "org_unit"
    scope_owner_field = "owner"
    scope_institution_field = "institution"

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("loan status", "Active")
        SETTLED = "settled", _("Settled")
        WRITTEN_OFF = "written_off", _("Written off")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    loan_no = models.CharField(_("loan number"), max_length=40)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="loans")
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT)
    principal = models.DecimalField(_("principal"), **MONEY)
    annual_rate = models.DecimalField(_("annual rate"), max_digits=8, decimal_places=6)
    term = models.PositiveIntegerField(_("term (months)"))
    method = models.CharField(_("repayment method"), max_length=20)
    disbursed_on = models.DateField(_("disbursed on"))
    maturity_date = models.DateField(_("maturity date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    restructured = models.BooleanField(_("restructured"), default=False)
    restructured_on = models.DateField(null=True, blank=True)
    schedule_version = models.PositiveIntegerField(default=1)
    # The first business date the end of day accrued penalty on this loan (None: not yet). Replays
    # accrue from here, so penalty booked by a core system before we took the loan over stays its own.
    penalty_from = models.DateField(null=True, blank=True)
    credit_balance = models.DecimalField(default=0, **MONEY)
    written_off_amount = models.DecimalField(default=0, **MONEY)
    closed_on = models.DateField(null=True, blank=True)
    custom = models.JSONField(default=dict, blank=True)
    import_hash = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "loan_no"], name="loan_no_unique")]

    def __str__(self) -> str:
        return self.loan_no


class ScheduleVersion(models.Model):
    """A schedule base: created at booking and by every restructure. Repayments and waivers after it
    are replayed over `base` to rebuild the current state exactly."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="schedule_versions")
    version = models.PositiveIntegerField()
    reason = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    # None for a booking version: the base is regenerated from the loan's own terms, so a million
    # imported loans do not each store a copy of their schedule.
    base = models.JSONField(null=True)
    terms = models.JSONField()
    created_on = models.DateField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["loan", "version"], name="schedule_version_unique")]

    def __str__(self) -> str:
        return f"{self.loan_id} v{self.version}"


class Instalment(models.Model):
    """Current state of one instalment (rewritten on every posting, in bulk)."""

    # the (loan, period) unique index serves every lookup by loan; a second index would only slow writes
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments", db_index=False)
    period = models.PositiveIntegerField()
    due_date = models.DateField(db_index=True)
    principal_due = models.DecimalField(**MONEY)
    interest_due = models.DecimalField(**MONEY)
    fee_due = models.DecimalField(default=0, **MONEY)
    penalty_due = models.DecimalField(default=0, **MONEY)
    principal_paid = models.DecimalField(default=0, **MONEY)
    interest_paid = models.DecimalField(default=0, **MONEY)
    fee_paid = models.DecimalField(default=0, **MONEY)
    penalty_paid = models.DecimalField(default=0, **MONEY)
    principal_waived = models.DecimalField(default=0, **MONEY)
    interest_waived = models.DecimalField(default=0, **MONEY)
    fee_waived = models.DecimalField(default=0, **MONEY)
    penalty_waived = models.DecimalField(default=0, **MONEY)
    penalty_pending = models.DecimalField(default=0, **MONEY)  # held during grace days, not yet due

    class Meta:
        constraints = [models.UniqueConstraint(fields=["loan", "period"], name="instalment_period_unique")]
        ordering = ["loan", "period"]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.period}"


class Repayment(models.Model):
    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    class Channel(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        WITHHOLDING = "withholding", _("Auto-debit")
        COUNTER = "counter", _("Counter")
        ONLINE = "online", _("Online payment")
        OTHER = "other", _("Other")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    amount = models.DecimalField(_("amount"), **MONEY)
    value_date = models.DateField(_("value date"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    external_id = models.CharField(_("external transaction id"), max_length=80, null=True, blank=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.POSTED)
    segment_version = models.PositiveIntegerField()
    settlement = models.JSONField(null=True, blank=True)  # the quote, when this paid the loan off
    allocations = models.JSONField(default=list)  # [[period, component, "amount"], ...]
    prepaid_principal = models.DecimalField(default=0, **MONEY)
    credited = models.DecimalField(default=0, **MONEY)
    posted_on = models.DateField()
    posted_by = models.CharField(max_length=150, blank=True)
    reversed_on = models.DateField(null=True, blank=True)
    reversed_by = models.CharField(max_length=150, blank=True)
    reversal_reason = models.CharField(max_length=300, blank=True)
    import_hash = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "external_id"], name="repayment_external_id_unique"
            )
        ]
        ordering = ["-value_date", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount} {self.value_date}"


class Adjustment(models.Model):
    """A waiver (减免) or write-off (核销) request under maker-checker control."""

    class Kind(models.TextChoices):
        WAIVER = "waiver", _("Waiver")
        WRITE_OFF = "write_off", _("Write-off")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved and posted")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amounts = models.JSONField(_("amounts"))  # {"penalty": "12.00", "interest": "30.00"}
    total = models.DecimalField(_("total"), **MONEY)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True)
    decision_note = models.CharField(max_length=500, blank=True)
    segment_version = models.PositiveIntegerField(null=True)
    lines = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.total} on {self.loan_id}"


class ApprovalLimit(models.Model):
    """The largest waiver / write-off a holder of `role` may approve."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Adjustment.Kind.choices)
    max_amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "kind"], name="approval_limit_unique")]

    def __str__(self) -> str:
        return f"{self.role_id} {self.kind} ≤ {self.max_amount}"


class Recovery(models.Model):
    """Money received on a written-off loan, booked outside the (closed) schedule."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="recoveries")
    amount = models.DecimalField(_("amount"), **MONEY)
    value_date = models.DateField(_("value date"))
    channel = models.CharField(_("channel"), max_length=20, choices=Repayment.Channel.choices)
    external_id = models.CharField(max_length=80, null=True, blank=True)
    posted_by = models.CharField(max_length=150, blank=True)
    posted_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount}"


class LoanEvent(models.Model):
    """The readable timeline of a customer and their loans (every servicing event)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    loan = models.ForeignKey(Loan, null=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    business_date = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.kind


class ImportBatch(models.Model):
    """One run of `postloan import` (or an upload): what came in, what was kept, and why rows were not."""

    class Status(models.TextChoices):
        COMMITTED = "committed", _("Committed")
        UNCHANGED = "unchanged", _("No changes")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    entity = models.CharField(max_length=20)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows_in = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    rejects = models.JSONField(default=list)  # [{"row": n, "field": f, "reason": text}], the first 5,000
    reject_file = models.CharField(max_length=400, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.entity} {self.file_name}"
