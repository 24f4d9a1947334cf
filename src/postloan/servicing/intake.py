"""Reading and validating import files against the data standard, vectorized with Polars.

Every check is a column expression over the whole file; a failing check yields reject rows
(record number, field, reason). Cross-row checks (duplicate keys) and references to the database
(customers, products, loans) are joins, never per-row queries.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from postloan.servicing.domain.data_standard import ENTITIES, EntitySpec, FieldSpec

ROW = "__row"  # 1-based record number in the file (CSV: the header is not a record)

_DATE = r"^\d{4}-\d{2}-\d{2}$"
_MONEY = r"^\d{1,14}(\.\d{1,2})?$"
_RATE = r"^(0(\.\d{1,6})?|1(\.0{1,6})?)$"
_INT = r"^\d{1,3}$"
_MOBILE = r"^1[3-9]\d{9}$"
_ID18 = r"^\d{17}[\dX]$"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass
class Validated:
    entity: EntitySpec
    rows_in: int
    good: pl.DataFrame  # accepted rows, normalized strings, with ROW
    rejects: pl.DataFrame  # ROW, field, reason (msgid), value
    report: dict[str, Any] = field(default_factory=dict)
    provided: frozenset[str] = frozenset()  # columns the file actually had


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_table(path: Path) -> pl.DataFrame:
    """CSV (UTF-8, or GBK/GB18030 as Chinese core systems often export), JSON Lines or Parquet.
    Every column comes back as text so that validation sees exactly what was sent."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pl.read_ndjson(path, infer_schema_length=None)
        elif suffix in (".csv", ".txt"):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    text = raw.decode("gb18030")
                except UnicodeDecodeError:
                    raise ImportFileError("the CSV file is neither UTF-8 nor GBK/GB18030 text") from None
            frame = pl.read_csv(io.StringIO(text), infer_schema=False)
        else:
            raise ImportFileError(f"unsupported file type {suffix!r}; use .csv, .jsonl or .parquet")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ImportFileError(f"the file cannot be read: {exc}") from None
    return frame.select(pl.all().cast(pl.Utf8, strict=False))


def _reject(frame: pl.DataFrame, mask: pl.Expr, column: str, reason: str) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.col(ROW),
        pl.lit(column).alias("field"),
        pl.lit(reason).alias("reason"),
        pl.col(column).fill_null("").alias("value") if column in frame.columns else pl.lit("").alias("value"),
    )


def _field_checks(frame: pl.DataFrame, spec: FieldSpec) -> list[pl.DataFrame]:
    col = pl.col(spec.name)
    present = col.is_not_null() & (col != "")
    out = []
    if spec.required:
        out.append(_reject(frame, ~present, spec.name, "required"))
    if spec.allowed:
        out.append(_reject(frame, present & ~col.is_in(list(spec.allowed)), spec.name, "not_allowed"))
    out.append(_reject(frame, present & (col.str.len_chars() > spec.max_length), spec.name, "too_long"))
    if spec.type == "date":
        parsed = col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        out.append(
            _reject(frame, present & (~col.str.contains(_DATE) | parsed.is_null()), spec.name, "bad_date")
        )
    elif spec.type == "money":
        out.append(_reject(frame, present & ~col.str.contains(_MONEY), spec.name, "bad_money"))
        if spec.required:
            zero = col.str.contains(_MONEY) & (col.cast(pl.Float64, strict=False) <= 0)
            out.append(_reject(frame, present & zero, spec.name, "not_positive"))
    elif spec.type == "rate":
        out.append(_reject(frame, present & ~col.str.contains(_RATE), spec.name, "bad_rate"))
    elif spec.type == "int":
        bad = ~col.str.contains(_INT) | (col.cast(pl.Int64, strict=False) < 1)
        out.append(_reject(frame, present & bad, spec.name, "bad_int"))
    elif spec.type == "mobile":
        out.append(_reject(frame, present & ~col.str.contains(_MOBILE), spec.name, "bad_mobile"))
    elif spec.type == "id_number":
        resident = (
            pl.col("id_type").fill_null("resident_id").is_in(["resident_id", ""])
            if "id_type" in frame.columns
            else pl.lit(True)
        )
        out.append(_reject(frame, present & resident & ~_id_checksum_ok(col), spec.name, "bad_id_number"))
    return out


def _id_checksum_ok(col: pl.Expr) -> pl.Expr:
    """GB 11643 check character, vectorized: Σ digit_i × weight_i mod 11 → '10X98765432'."""
    total = pl.sum_horizontal(
        [col.str.slice(i, 1).cast(pl.Int64, strict=False).fill_null(0) * w for i, w in enumerate(_ID_WEIGHTS)]
    )
    expected = pl.lit("10X98765432").str.slice(total % 11, 1)
    return col.str.contains(_ID18) & (col.str.slice(17, 1) == expected)


def validate(entity_name: str, frame: pl.DataFrame, known: dict[str, set[str]]) -> Validated:
    """`known` maps a referenced entity (customers, loans, products) to the keys that exist for it."""
    spec = ENTITIES[entity_name]
    missing = [f.name for f in spec.fields if f.required and f.name not in frame.columns]
    if missing:
        raise ImportFileError(f"missing required columns: {', '.join(missing)}")
    unknown = [c for c in frame.columns if c not in spec.columns]
    provided = frozenset(c for c in frame.columns if c in spec.columns)
    frame = frame.select([c for c in spec.columns if c in frame.columns])
    for f in spec.fields:
        if f.name not in frame.columns:
            frame = frame.with_columns(pl.lit("").alias(f.name))
    frame = frame.select(spec.columns).with_columns(pl.all().fill_null("").str.strip_chars())
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    if "id_number" in frame.columns:
        frame = frame.with_columns(pl.col("id_number").str.to_uppercase())
    rejects = [r for f in spec.fields for r in _field_checks(frame, f)]
    key = list(spec.key)
    first = frame.group_by(key).agg(pl.col(ROW).min().alias("__first"))
    dup = frame.join(first, on=key).filter(pl.col(ROW) != pl.col("__first"))
    rejects.append(
        dup.select(
            pl.col(ROW),
            pl.lit(key[0]).alias("field"),
            pl.lit("duplicate_key").alias("reason"),
            pl.col(key[0]).alias("value"),
        )
    )
    for column, target in spec.references + (
        (("product_code", "products"),) if entity_name == "loans" else ()
    ):
        rejects.append(
            _reject(
                frame,
                (pl.col(column) != "") & ~pl.col(column).is_in(sorted(known.get(target, ()))),
                column,
                f"unknown_{target}",
            )
        )
    if entity_name == "repayments" and "loan_dates" in known:
        dates = (
            pl.DataFrame(
                {"loan_no": list(known["loan_dates"]), "__disbursed": list(known["loan_dates"].values())}
            )
            if isinstance(known["loan_dates"], dict)
            else None
        )
        if dates is not None and len(dates):
            joined = frame.join(dates, on="loan_no", how="left")
            rejects.append(
                _reject(
                    joined,
                    pl.col("value_date").str.contains(_DATE) & (pl.col("value_date") < pl.col("__disbursed")),
                    "value_date",
                    "before_disbursed",
                )
            )
    if "business_date" in known:
        business = next(iter(known["business_date"]))
        for column in ("value_date", "disbursed_on"):
            if column in frame.columns:
                rejects.append(
                    _reject(
                        frame,
                        pl.col(column).str.contains(_DATE) & (pl.col(column) > business),
                        column,
                        "after_business_date",
                    )
                )
    all_rejects = (
        pl.concat([r.with_columns(pl.col(ROW).cast(pl.Int64)) for r in rejects]).sort([ROW, "field"])
        if rejects
        else pl.DataFrame(schema={ROW: pl.Int64, "field": pl.Utf8, "reason": pl.Utf8, "value": pl.Utf8})
    )
    bad_rows = all_rejects.get_column(ROW).unique()
    good = _normalized(spec, frame.filter(~pl.col(ROW).is_in(bad_rows.implode())))
    return Validated(
        spec, frame.height, good, all_rejects, _quality(spec, frame, all_rejects, unknown), provided
    )


def _normalized(spec: EntitySpec, frame: pl.DataFrame) -> pl.DataFrame:
    """One spelling per value, so that a row sent again as 0.12 instead of 0.1200, or 1860 instead of
    1860.00, is recognized as unchanged: money with 2 decimals, rates without trailing zeros, plain ints."""

    def money(value: str) -> str:
        return f"{Decimal(value):.2f}" if value else ""

    def rate(value: str) -> str:
        return f"{Decimal(value).normalize():f}" if value else ""

    def integer(value: str) -> str:
        return str(int(value)) if value else ""

    kinds = {"money": money, "rate": rate, "int": integer}
    return (
        frame.with_columns(
            [
                pl.col(f.name).map_elements(kinds[f.type], return_dtype=pl.Utf8)
                for f in spec.fields
                if f.type in kinds
            ]
        )
        if frame.height
        else frame
    )


def _quality(
    spec: EntitySpec, frame: pl.DataFrame, rejects: pl.DataFrame, unknown: list[str]
) -> dict[str, Any]:
    """Completeness (filled share per column), validity (share of rows passing all format checks),
    consistency (references resolve), duplicates, and counts."""
    n = max(frame.height, 1)
    filled = frame.select([((pl.col(c) != "").sum() / n).alias(c) for c in spec.columns]).row(0, named=True)
    by_reason = rejects.group_by("reason").agg(pl.len().alias("n")).sort("reason").rows()
    reference_reasons = {r for r, _ in by_reason if r.startswith("unknown_")}
    format_bad = rejects.filter(~pl.col("reason").is_in([*reference_reasons, "duplicate_key"]))
    return {
        "rows_in": frame.height,
        "completeness": {k: round(v, 4) for k, v in filled.items()},
        "validity": round(1 - format_bad.get_column(ROW).n_unique() / n, 4) if frame.height else 1.0,
        "consistency": round(
            1
            - rejects.filter(pl.col("reason").is_in(list(reference_reasons))).get_column(ROW).n_unique() / n,
            4,
        )
        if frame.height
        else 1.0,
        "duplicates": int(rejects.filter(pl.col("reason") == "duplicate_key").height),
        "rejected_rows": int(rejects.get_column(ROW).n_unique()),
        "problems": {reason: count for reason, count in by_reason},
        "ignored_columns": unknown,
    }


def fingerprint(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable hash of each row's standard columns: equal rows re-import as "unchanged"."""
    return frame.select(
        pl.concat_str([pl.col(c) for c in columns], separator="\x1f").map_elements(
            lambda s: hashlib.blake2b(s.encode("utf-8"), digest_size=20).hexdigest(),
            return_dtype=pl.Utf8,
        )
    ).to_series()
