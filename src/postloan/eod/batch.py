"""Vectorized end-of-day steps over one partition of loans (a loan-id range), with Polars.

Each step reads its partition in bulk (one query), computes every loan at once as column
expressions, and writes in bulk; the runner commits its output together with a checkpoint.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection

from postloan.eod.domain.rules import CLASS_INDEX, CLASSES, PROVISION_RATES
from postloan.eod.models import BucketTransition, LoanDelinquency, LoanMonthEnd, PortfolioSnapshot
from postloan.platform.bulkwrite import fast_insert
from postloan.servicing.domain import product as P
from postloan.servicing.models import Instalment, Loan, ProductVersion

COMPONENTS = ("fee", "penalty", "interest", "principal")
OBSERVATION_DAYS = 182  # a restructured loan stays at least 关注 for six months


def _instalments(institution_id: int, lo: int, hi: int) -> pl.DataFrame:
    """Active loans' instalments in [lo, hi], with open amounts in fen (integers: exact and fast)."""
    table, loans = Instalment._meta.db_table, Loan._meta.db_table
    open_parts = " + ".join(f"i.{c}_due - i.{c}_paid - i.{c}_waived" for c in COMPONENTS)
    sql = (
        "SELECT i.loan_id, i.due_date, i.principal_due - i.principal_paid - i.principal_waived, "  # noqa: S608
        f"{open_parts} "
        f"FROM {table} i JOIN {loans} l ON l.id = i.loan_id "
        "WHERE l.institution_id = %s AND l.status = 'active' AND i.loan_id BETWEEN %s AND %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [institution_id, lo, hi])
        rows = cursor.fetchall()
    frame = pl.DataFrame(rows, schema=["loan_id", "due_date", "principal_open", "open"], orient="row")
    if frame.height == 0:
        return frame
    return frame.with_columns(
        pl.col("due_date").cast(pl.Utf8).str.slice(0, 10).str.to_date(),
        (pl.col("principal_open").cast(pl.Float64) * 100).round(0).cast(pl.Int64),
        (pl.col("open").cast(pl.Float64) * 100).round(0).cast(pl.Int64),
    )


def _loans(institution_id: int, lo: int, hi: int) -> pl.DataFrame:
    rows = Loan.objects.filter(
        institution_id=institution_id, status=Loan.Status.ACTIVE, pk__gte=lo, pk__lte=hi
    ).values_list("pk", "product_version_id", "restructured", "restructured_on")
    return pl.DataFrame(
        list(rows), schema=["loan_id", "product_version_id", "restructured", "restructured_on"], orient="row"
    )


def _product_rules(version_ids: list[int]) -> tuple[pl.DataFrame, dict[int, tuple]]:
    """Per product version: grace days, tolerance (fen), rule set; and its bucket table."""
    rows, tables = [], {}
    for pv in ProductVersion.objects.filter(pk__in=version_ids):
        config = P.from_json(pv.config)
        rows.append((pv.pk, config.grace_days, int(config.tolerance * 100), config.classification_rule_set))
        tables[pv.pk] = tuple(tuple(b) for b in config.buckets)
    frame = pl.DataFrame(
        rows, schema=["product_version_id", "grace_days", "tolerance_fen", "rule_set"], orient="row"
    )
    return frame, tables


def _bucket_expr(buckets: list[list[Any]]) -> pl.Expr:
    expr = pl.lit(str(buckets[-1][0]))
    for label, low, high in reversed(buckets[:-1]):
        expr = (
            pl.when((pl.col("dpd") >= int(low)) & (pl.col("dpd") <= int(high)))
            .then(pl.lit(str(label)))
            .otherwise(expr)
        )
    return expr


def _class_expr() -> pl.Expr:
    standard = (
        pl.when(pl.col("dpd") > 360)
        .then(4)
        .when(pl.col("dpd") > 270)
        .then(3)
        .when(pl.col("dpd") > 90)
        .then(2)
        .when(pl.col("dpd") > 0)
        .then(1)
        .otherwise(0)
    )
    card = (
        pl.when(pl.col("dpd") > 180)
        .then(4)
        .when(pl.col("dpd") > 120)
        .then(3)
        .when(pl.col("dpd") > 90)
        .then(2)
        .when(pl.col("dpd") > 0)
        .then(1)
        .otherwise(0)
    )
    floor = pl.when(pl.col("rule_set") == "credit_card").then(card).otherwise(standard)
    observing = pl.col("restructured") & pl.col("in_observation")
    return (
        pl.when(observing & (floor < CLASS_INDEX["special_mention"]))
        .then(CLASS_INDEX["special_mention"])
        .otherwise(floor)
    )


def delinquency(institution_id: int, as_of: dt.date, lo: int, hi: int) -> int:
    """DPD, bucket, classification, IFRS 9 stage and provision for the active loans in [lo, hi];
    bucket changes are appended to the transition history. Returns the number of loans."""
    loans = _loans(institution_id, lo, hi)
    if loans.height == 0:
        return 0
    rules, tables = _product_rules(loans.get_column("product_version_id").unique().to_list())
    inst = _instalments(institution_id, lo, hi)
    loans = loans.join(rules, on="product_version_id", how="left")
    earliest = (
        inst.join(loans.select("loan_id", "tolerance_fen"), on="loan_id")
        .filter((pl.col("due_date") <= as_of) & (pl.col("open") > pl.col("tolerance_fen")))
        .group_by("loan_id")
        .agg(pl.col("due_date").min().alias("earliest"))
    )
    sums = inst.group_by("loan_id").agg(
        pl.col("principal_open").sum().alias("outstanding_principal"),
        pl.col("principal_open").filter(pl.col("due_date") < as_of).sum().alias("overdue_principal"),
        pl.col("open").filter(pl.col("due_date") < as_of).sum().alias("overdue_total"),
    )
    frame = (
        loans.join(earliest, on="loan_id", how="left")
        .join(sums, on="loan_id", how="left")
        .with_columns(
            ((pl.lit(as_of) - pl.col("earliest")).dt.total_days().fill_null(0)).alias("raw_dpd"),
            (
                pl.col("restructured_on").is_not_null()
                & (
                    (pl.lit(as_of) - pl.col("restructured_on").cast(pl.Date)).dt.total_days()
                    <= OBSERVATION_DAYS
                )
            )
            .fill_null(False)
            .alias("in_observation"),
        )
        # within the grace period the loan is not overdue; after it DPD counts from the due date
        .with_columns(
            pl.when(pl.col("raw_dpd") > pl.col("grace_days"))
            .then(pl.col("raw_dpd"))
            .otherwise(0)
            .alias("dpd")
        )
        .fill_null(0)
    )
    parts = []
    for table in set(tables.values()):
        ids = [pv for pv, t in tables.items() if t == table]
        part = frame.filter(pl.col("product_version_id").is_in(ids))
        parts.append(part.with_columns(_bucket_expr([list(b) for b in table]).alias("bucket")))
    frame = pl.concat(parts).with_columns(
        _class_expr().alias("class_index"),
        pl.when(pl.col("dpd") > 90).then(3).when(pl.col("dpd") > 30).then(2).otherwise(1).alias("stage"),
    )
    rates = {i: float(PROVISION_RATES[c]) for i, c in enumerate(CLASSES)}
    frame = frame.with_columns(
        (
            pl.col("outstanding_principal")
            * pl.col("class_index").replace_strict(rates, return_dtype=pl.Float64)
        )
        .round(0)
        .cast(pl.Int64)
        .alias("provision_fen")
    )
    # The bucket each loan was in before this date: its last transition before it (M0 if none), so a
    # rerun of the same date finds the same moves.
    previous: dict[int, str] = {}
    for loan_id, bucket in (
        BucketTransition.objects.filter(
            loan_id__gte=lo, loan_id__lte=hi, business_date__lt=as_of, loan__institution_id=institution_id
        )
        .order_by("loan_id", "business_date", "id")
        .values_list("loan_id", "to_bucket")
    ):
        previous[loan_id] = bucket
    states, moves = [], []
    for row in frame.iter_rows(named=True):
        fen = Decimal(1) / 100
        states.append(
            LoanDelinquency(
                loan_id=row["loan_id"],
                as_of=as_of,
                dpd=row["dpd"],
                bucket=row["bucket"],
                overdue_principal=Decimal(row["overdue_principal"]) * fen,
                overdue_total=Decimal(row["overdue_total"]) * fen,
                outstanding_principal=Decimal(row["outstanding_principal"]) * fen,
                classification=CLASSES[row["class_index"]],
                stage=row["stage"],
                provision=Decimal(row["provision_fen"]) * fen,
            )
        )
        before = previous.get(row["loan_id"], "M0")
        if before != row["bucket"]:
            moves.append(
                BucketTransition(
                    loan_id=row["loan_id"],
                    business_date=as_of,
                    from_bucket=before,
                    to_bucket=row["bucket"],
                    dpd=row["dpd"],
                )
            )
    LoanDelinquency.objects.filter(
        loan_id__gte=lo, loan_id__lte=hi, loan__institution_id=institution_id
    ).delete()
    BucketTransition.objects.filter(
        loan_id__gte=lo, loan_id__lte=hi, business_date=as_of, loan__institution_id=institution_id
    ).delete()  # a rerun replaces its own
    fast_insert(LoanDelinquency, states)
    fast_insert(BucketTransition, moves)
    return len(states)


def snapshots(institution_id: int, as_of: dt.date, lo: int, hi: int) -> int:
    """Daily aggregates by product, org unit, bucket and class for the partition (grouped in the
    database), and on a month-end the loan-level state as well. Returns the aggregate rows written."""
    import calendar

    from django.db.models import Count, Sum

    states = LoanDelinquency.objects.filter(
        loan__institution_id=institution_id, loan_id__gte=lo, loan_id__lte=hi, as_of=as_of
    )
    PortfolioSnapshot.objects.filter(
        institution_id=institution_id, business_date=as_of, partition=lo
    ).delete()  # a rerun replaces its own rows
    groups = states.values(
        "loan__product_version__product__code", "loan__org_unit_id", "bucket", "classification"
    ).annotate(
        n=Count("pk"),
        principal=Sum("outstanding_principal"),
        overdue=Sum("overdue_total"),
        provision=Sum("provision"),
    )
    rows = [
        PortfolioSnapshot(
            institution_id=institution_id,
            business_date=as_of,
            partition=lo,
            product_code=g["loan__product_version__product__code"],
            org_unit_id=g["loan__org_unit_id"],
            bucket=g["bucket"],
            classification=g["classification"],
            loans=g["n"],
            outstanding_principal=g["principal"],
            overdue_total=g["overdue"],
            provision=g["provision"],
        )
        for g in groups
    ]
    fast_insert(PortfolioSnapshot, rows)
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        LoanMonthEnd.objects.filter(
            loan_id__gte=lo, loan_id__lte=hi, business_date=as_of, loan__institution_id=institution_id
        ).delete()
        fast_insert(
            LoanMonthEnd,
            [
                LoanMonthEnd(
                    loan_id=s.loan_id,
                    business_date=as_of,
                    dpd=s.dpd,
                    bucket=s.bucket,
                    classification=s.classification,
                    outstanding_principal=s.outstanding_principal,
                    overdue_total=s.overdue_total,
                )
                for s in states
            ],
        )
    return len(rows)


STEPS: dict[str, Any] = {"delinquency": delinquency, "snapshots": snapshots}
