"""Writing to the audit trail: snapshots of objects for before/after, and the hash-chained append.

Services call `record()` inside their transaction, so the audit row commits with the change or not
at all.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from postloan.platform.context import current_request_id
from postloan.platform.domain import audit_chain
from postloan.platform.domain.masking import DEFAULT_RULES, mask
from postloan.platform.fields import EncryptedTextField, LookupHashField
from postloan.platform.models import AuditEntry, AuditHead

_SKIP_FIELDS = {"password"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The object's stored state as JSON; personal data appears masked, secrets not at all."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in _SKIP_FIELDS or isinstance(field, LookupHashField):
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField):
            rule = DEFAULT_RULES.get(field.kind)
            value = mask(value, rule) if rule else ("***" if value else "")
        data[field.attname] = _jsonable(value)
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys that changed (both sides), so the trail reads as what happened."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    institution_id: int | None = None,
) -> AuditEntry:
    with transaction.atomic():
        # Locking the head row serializes appends across processes and databases.
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditHead.objects.get_or_create(pk=1)
            head = AuditHead.objects.select_for_update().get(pk=1)
        created = timezone.now()
        entry = AuditEntry(
            seq=head.last_seq + 1,
            created_at=created,
            actor_id=getattr(actor, "pk", None),
            actor_username=getattr(actor, "username", "") or ("system" if actor is None else str(actor)),
            request_id=current_request_id(),
            institution_id=institution_id
            if institution_id is not None
            else getattr(actor, "institution_id", None),
            object_type=object_type,
            object_id=str(object_id or ""),
            action=action,
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=head.last_hash,
        )
        entry.hash = audit_chain.entry_hash(head.last_hash, entry_payload(entry))
        entry.save()
        head.last_seq, head.last_hash = entry.seq, entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    from postloan.platform.plugins import manager

    payload = entry_payload(entry)
    # Plugins hear of an entry only once it is committed, and cannot break the write that made it.
    transaction.on_commit(lambda: manager.hook().postloan_audit_recorded(entry=payload), robust=True)
    return entry


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    created = entry.created_at.astimezone(dt.UTC)
    return {
        "seq": entry.seq,
        # All three databases keep microseconds; UTC ISO text is the canonical form.
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "request_id": entry.request_id,
        "institution_id": entry.institution_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def verify_chain() -> audit_chain.ChainBreak | None:
    head = AuditHead.objects.filter(pk=1).first()
    rows = (entry_payload(e) for e in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000))
    return audit_chain.verify(
        rows, head.last_seq if head else 0, head.last_hash if head else audit_chain.GENESIS
    )
