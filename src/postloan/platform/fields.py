"""Model fields for personal data: an encrypted text field and its keyed-hash lookup column."""

from __future__ import annotations

from typing import Any

from django.db import models

from postloan.platform import pii


class EncryptedTextField(models.TextField):
    """Stores AES-GCM ciphertext; the Python value is the clear text.

    `kind` names the masking/hash rule (phone, id_number, bank_card, address).
    """

    def __init__(self, *args: Any, kind: str = "", **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        return pii.keyring().decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return pii.keyring().encrypt(value) if value else ""


class LookupHashField(models.CharField):
    """HMAC of another field's normalized clear text, recomputed on every save (bulk too)."""

    def __init__(self, *args: Any, source: str = "", kind: str = "", **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = pii.lookup_hash(self.kind, getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
