"""Fast multi-row INSERT for batch writers (imports, the end-of-day batch)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from postloan.platform.fields import EncryptedTextField, LookupHashField


def fast_insert(model: type[models.Model], objs: list[Any], chunk: int = 10000) -> None:
    """INSERT model instances with executemany. Plain values (numbers, decimals, dates, text, keys) go
    to the driver as they are; fields with their own conversion (encryption, lookup hashes, JSON,
    aware datetimes) go through it. This skips the ORM's per-value expression machinery, which
    dominates bulk_create at millions of rows. Primary keys are not returned."""
    if not objs:
        return
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    converters = []
    for f in fields:
        special = isinstance(
            f, EncryptedTextField | LookupHashField | models.JSONField | models.DateTimeField
        )
        plain = isinstance(
            f,
            models.DecimalField
            | models.IntegerField
            | models.CharField
            | models.BooleanField
            | models.ForeignKey
            | models.DateField
            | models.FloatField,
        )
        converters.append((f, None if plain and not special else f))
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(objs), chunk):
            rows = [
                [
                    getattr(obj, f.attname)
                    if conv is None
                    else conv.get_db_prep_save(conv.pre_save(obj, True), connection)
                    for f, conv in converters
                ]
                for obj in objs[start : start + chunk]
            ]
            cursor.executemany(sql, rows)
