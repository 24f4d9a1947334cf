"""Fast multi-row writes for batch writers (imports, the end-of-day batch): COPY on PostgreSQL,
executemany elsewhere."""

from __future__ import annotations

from typing import Any

import polars as pl
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
        insert_rows(model._meta.db_table, [f.column for f in fields], rows)


def insert_rows(table: str, columns: list[str], rows: list[Any], chunk: int = 20000) -> None:
    """INSERT plain value rows into `table`: one COPY on PostgreSQL (an order of magnitude fewer
    round trips), executemany in chunks elsewhere."""
    if not rows:
        return
    quoted_table = connection.ops.quote_name(table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted_table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {quoted_table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start : start + chunk])


def insert_frame(table: str, frame: pl.DataFrame) -> None:
    """INSERT a frame's rows into `table` (columns by name). On PostgreSQL Polars writes the frame as
    CSV straight into COPY, so no Python object is built per value; elsewhere executemany. Money
    columns should be decimal text (exact on every driver)."""
    if frame.height == 0:
        return
    if connection.vendor != "postgresql":
        insert_rows(table, frame.columns, frame.rows())
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    with connection.cursor() as cursor:
        sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN (FORMAT csv)"
        with cursor.cursor.copy(sql) as copy:
            copy.write(frame.write_csv(include_header=False))


def update_frame(table: str, key: str, frame: pl.DataFrame, chunk: int = 20000) -> None:
    """Set the frame's other columns on the rows of `table` whose `key` the frame holds. PostgreSQL
    copies the new values into a temporary table and updates with one join; elsewhere executemany."""
    if frame.height == 0:
        return
    columns = [c for c in frame.columns if c != key]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(q(c) for c in [key, *columns])
            cursor.execute("DROP TABLE IF EXISTS postloan_update_rows")
            cursor.execute(
                "CREATE TEMP TABLE postloan_update_rows AS "  # noqa: S608
                f"SELECT {names} FROM {q(table)} LIMIT 0"
            )
            insert_frame("postloan_update_rows", frame.select(key, *columns))
            cursor.execute("ANALYZE postloan_update_rows")  # join on the key's index, not a hash of the table
            assignments = ", ".join(f"{q(c)} = u.{q(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {q(table)} t SET {assignments} FROM postloan_update_rows u "  # noqa: S608
                f"WHERE t.{q(key)} = u.{q(key)}"
            )
            cursor.execute("DROP TABLE postloan_update_rows")
            return
        rows = frame.select(*columns, key).rows()
        assignments = ", ".join(f"{q(c)} = %s" for c in columns)
        sql = f"UPDATE {q(table)} SET {assignments} WHERE {q(key)} = %s"  # noqa: S608
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start : start + chunk])


def refresh_statistics(*tables: str) -> None:
    """After a bulk load: reclaim the replaced row versions and refresh the planner's statistics now,
    so the next queries (the first end of day) are not planned on an empty table's estimates while
    autovacuum catches up. Inside a transaction PostgreSQL can only analyze, and MariaDB is left
    alone (ANALYZE TABLE would commit the caller's transaction)."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                cursor.execute(f"{vacuum} {q(table)}")
            elif connection.vendor == "mysql" and not connection.in_atomic_block:
                cursor.execute(f"ANALYZE TABLE {q(table)}")
                cursor.fetchall()
            elif connection.vendor == "sqlite":
                cursor.execute(f"ANALYZE {q(table)}")
