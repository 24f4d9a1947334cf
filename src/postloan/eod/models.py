"""End-of-day persistence: runs and their step/partition checkpoints, the current delinquency state
of every loan, and the bucket transition history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from postloan.platform.models import Institution
from postloan.servicing.models import Loan

MONEY = {"max_digits": 18, "decimal_places": 2}


class EodRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    business_date = models.DateField(db_index=True)
    attempt = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    steps = models.JSONField(default=list)  # the ordered step codes this run executed
    partitions = models.PositiveIntegerField(default=1)
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-business_date", "-attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "business_date", "attempt"], name="eod_run_attempt_unique"
            )
        ]

    def __str__(self) -> str:
        return f"EOD {self.business_date} #{self.attempt}"


class EodCheckpoint(models.Model):
    """One step done for one partition: committed in the same transaction as that step's output, so a
    crashed run resumes after the last checkpoint and never redoes or half-does a partition."""

    run = models.ForeignKey(EodRun, on_delete=models.CASCADE, related_name="checkpoints")
    step = models.CharField(max_length=40)
    partition = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "step", "partition"], name="eod_checkpoint_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.step} p{self.partition}"


class LoanDelinquency(models.Model):
    """Each loan's delinquency as of the last end-of-day run (one row per loan)."""

    loan = models.OneToOneField(Loan, on_delete=models.CASCADE, primary_key=True, related_name="delinquency")
    as_of = models.DateField()
    dpd = models.PositiveIntegerField(default=0)
    bucket = models.CharField(max_length=10)
    overdue_principal = models.DecimalField(default=0, **MONEY)
    overdue_total = models.DecimalField(default=0, **MONEY)
    outstanding_principal = models.DecimalField(default=0, **MONEY)
    classification = models.CharField(max_length=20)
    overridden = models.BooleanField(default=False)  # an approved manual override set the class
    stage = models.PositiveSmallIntegerField(default=1)
    provision = models.DecimalField(default=0, **MONEY)  # class coefficient × outstanding principal
    exposure = models.DecimalField(default=0, **MONEY)  # EAD: outstanding principal + overdue charges
    ecl = models.DecimalField(default=0, **MONEY)  # IFRS 9: PD × LGD × EAD

    def __str__(self) -> str:
        return f"{self.loan_id} {self.bucket}"


class BucketTransition(models.Model):
    """A change of bucket or classification at the end of a business date (history for the loan page,
    roll rates and the upgrade rule)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="bucket_transitions")
    business_date = models.DateField(db_index=True)
    from_bucket = models.CharField(max_length=10)
    to_bucket = models.CharField(max_length=10)
    from_class = models.CharField(max_length=20, default="normal")
    to_class = models.CharField(max_length=20, default="normal")
    dpd = models.PositiveIntegerField()

    class Meta:
        ordering = ["loan_id", "business_date"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.from_bucket}->{self.to_bucket}"


class PortfolioSnapshot(models.Model):
    """Daily aggregates for reports, additive across partitions: sum the rows of a date and key."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE)
    business_date = models.DateField(db_index=True)
    partition = models.PositiveIntegerField(default=0)
    product_code = models.CharField(max_length=40)
    org_unit_id = models.BigIntegerField(null=True)
    bucket = models.CharField(max_length=10)
    classification = models.CharField(max_length=20)
    loans = models.PositiveIntegerField()
    outstanding_principal = models.DecimalField(**MONEY)
    overdue_total = models.DecimalField(**MONEY)
    provision = models.DecimalField(**MONEY)
    ecl = models.DecimalField(default=0, **MONEY)

    def __str__(self) -> str:
        return f"{self.business_date} {self.product_code} {self.bucket}"


class LoanMonthEnd(models.Model):
    """Loan-level state on each month-end business date (vintage and roll-rate reports read these)."""

    # the (loan, business_date) unique index serves lookups by loan; a second one only slows month-end
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="month_ends", db_index=False)
    business_date = models.DateField(db_index=True)
    dpd = models.PositiveIntegerField()
    bucket = models.CharField(max_length=10)
    classification = models.CharField(max_length=20)
    outstanding_principal = models.DecimalField(**MONEY)
    overdue_total = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["loan", "business_date"], name="loan_month_end_unique")
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.business_date}"


class ClassificationOverride(models.Model):
    """A manual classification (人工认定) requested with a reason and approved by someone else. It can
    only make a loan's class worse than the rules give, and applies from its approval date through
    `until` (open-ended when empty). Ending one sets `until` to the last closed date, so the days it
    was in effect keep it when history is rebuilt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="classification_overrides")
    classification = models.CharField(_("classification"), max_length=20)
    reason = models.TextField(_("reason"))
    until = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.classification} ({self.status})"
