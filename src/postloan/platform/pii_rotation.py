"""Re-encrypt every encrypted column with the current (first) key, so old keys can be retired."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction

from postloan.platform.fields import encrypted_fields

BATCH = 2000


def rotate_all() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in apps.get_models():
        fields = [f.name for f in encrypted_fields(model)]
        if not fields:
            continue
        n = 0
        # Reading decrypts with whichever key id each value names; saving encrypts with the current key.
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                rows = list(
                    model._default_manager.filter(pk__in=pks[start : start + BATCH]).only("pk", *fields)
                )
                model._default_manager.bulk_update(rows, fields)
                n += len(rows)
        counts[model._meta.label] = n
    return counts
