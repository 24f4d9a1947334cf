"""Platform persistence: institutions, org units, roles, users, audit trail, runtime settings, API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from postloan.platform.domain.scope import Scope
from postloan.platform.fields import EncryptedTextField, LookupHashField


class Institution(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The date business rules run on; advanced only by the EOD batch or an administrator.
    business_date = models.DateField(_("business date"))
    # Set while an end-of-day run closes that date: ledger changes wait (they would race the batch).
    eod_closing = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")
        AGENCY = "agency", _("Collection agency")
        BRANCH = "branch", _("Branch")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="org_units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEAM)
    # Materialized path "/1/4/9/" so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="orgunit_code_unique")]
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Role(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    permissions = models.JSONField(_("permissions"), default=list)
    builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Built-in roles carry an English msgid and show in the user's language; custom roles as typed."""
        return gettext(self.name) if self.builtin else self.name


class User(AbstractUser):
    class Theme(models.TextChoices):
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")

    institution = models.ForeignKey(Institution, null=True, on_delete=models.PROTECT, related_name="users")
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    data_scope = models.CharField(
        _("data scope"), max_length=10, choices=[(s.value, s.value) for s in Scope], default=Scope.OWN
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    phone = EncryptedTextField(_("mobile phone"), kind="phone")
    phone_hash = LookupHashField(source="phone", kind="phone")
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_number_hash = LookupHashField(source="id_number", kind="id_number")
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, default=Theme.LIGHT)
    preferences = models.JSONField(default=dict, blank=True)

    objects = UserManager()

    # Data scope: a user is "assigned" to themself; managers see the users of their subtree.
    scope_org_field = "org_unit"
    scope_owner_field = "pk"
    scope_institution_field = "institution"

    # Fields whose clear text is never written to the audit trail or logs.
    PII_FIELDS = {"phone": "phone", "id_number": "id_number"}

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """Chinese names read family name first with no space (王建国); others given name first."""
        if any("\u4e00" <= ch <= "\u9fff" for ch in self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}".strip()
        return f"{self.first_name} {self.last_name}".strip()


class AuditEntry(models.Model):
    """Append-only, hash-chained record of every write. Never updated, never deleted.

    Actor is stored as plain id + username (not a foreign key) so no cascade can ever rewrite a row.
    """

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    institution_id = models.BigIntegerField(null=True)
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """Single row holding the chain's last seq and hash; locking it serializes appends."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class RuntimeSetting(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="settings")
    key = models.CharField(max_length=100)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "key"], name="runtime_setting_unique")]

    def __str__(self) -> str:
        return self.key


class ApiToken(models.Model):
    """A bearer token for system integration. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True)
    last_used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (pl_{self.prefix}_…)"

    def is_active(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
