"""Vectorized end-of-day steps over one partition of loans (a loan-id range), with Polars.

Each step reads its partition in bulk, computes every loan at once as column expressions over
integer fen (exact), and writes in bulk; the runner commits its output together with a checkpoint.
The rules are those of `eod.domain` (and `servicing.domain.penalty`), which `restate.py` applies loan
by loan when a backdated change rebuilds history; tests hold the two to the same results.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Count, Q, Sum

from postloan.eod.domain import ecl
from postloan.eod.domain.rules import (
    CLASS_INDEX,
    CLASSES,
    NPL_FROM,
    OBSERVATION_DAYS,
    PROVISION_RATES,
    UPGRADE_MONTHS,
    UPGRADE_PERIODS,
)
from postloan.eod.models import (
    BucketTransition,
    ClassificationOverride,
    EodRun,
    LoanDelinquency,
    LoanMonthEnd,
    PortfolioSnapshot,
)
from postloan.platform import runtime_config
from postloan.platform.bulkwrite import fast_insert, insert_frame, update_frame
from postloan.platform.models import Institution
from postloan.servicing.domain import product as P
from postloan.servicing.domain.penalty import penalty_rate
from postloan.servicing.models import Instalment, Loan, ProductVersion

COMPONENTS = ("fee", "penalty", "interest", "principal")


def _query(sql: str, params: list[Any], names: list[str]) -> pl.DataFrame:
    """Rows of `sql` as a frame. On PostgreSQL the rows stream out as CSV through COPY and Polars
    parses them, several times faster than building Python tuples for millions of rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                data = b"".join(bytes(block) for block in copy)
            if not data:
                return pl.DataFrame(schema=names)
            return pl.read_csv(data, has_header=False, new_columns=names, infer_schema_length=None)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


def tune_session() -> None:
    """Inside a step's transaction on PostgreSQL: a partition's queries are short, so JIT compiling
    them costs more than it saves (about 0.1 s a query), and the default 4 MB of work memory sends
    the per-loan aggregation to disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _fen(*names: str) -> list[pl.Expr]:
    """Decimal columns (Decimal, float or text, by database) to integer fen."""
    return [(pl.col(n).cast(pl.Float64) * 100).round(0).cast(pl.Int64) for n in names]


def _date(name: str) -> pl.Expr:
    """A date column as the database returned it (date or ISO text) to a Polars date."""
    return pl.col(name).cast(pl.Utf8).str.slice(0, 10).str.to_date()


def _money(name: str) -> pl.Expr:
    """Integer fen (non-negative) to decimal text such as "12.05", which every driver stores exactly."""
    fen = pl.col(name)
    return ((fen // 100).cast(pl.Utf8) + "." + (fen % 100).cast(pl.Utf8).str.zfill(2)).alias(name)


def _remaining(component: str, alias: str = "i") -> str:
    """SQL for what is still open of one component of an instalment."""
    return f"{alias}.{component}_due - {alias}.{component}_paid - {alias}.{component}_waived"


def _open(alias: str = "i") -> str:
    return " + ".join(_remaining(c, alias) for c in COMPONENTS)


def _scope(table: str, loans: str, lo: int, hi: int) -> str:
    """Instalments of the institution's active loans in [lo, hi] (institution id the one parameter).
    The range is stated on both tables so each is read by its key range alone."""
    lo, hi = int(lo), int(hi)
    return (
        f"FROM {table} i JOIN {loans} l ON l.id = i.loan_id "
        f"WHERE l.institution_id = %s AND l.status = 'active' AND l.id BETWEEN {lo} AND {hi} "
        f"AND i.loan_id BETWEEN {lo} AND {hi}"
    )


def _loan_sums(
    institution_id: int, lo: int, hi: int, as_of: dt.date, tolerances: dict[int, int]
) -> pl.DataFrame:
    """Per active loan in [lo, hi], in one pass over its instalments: open principal, principal and
    total open on instalments due before `as_of` (fen), and the earliest due date by `as_of` still
    open above the product's tolerance (`tolerances`: fen by product version), which gives DPD.
    Summed by the database: one row per loan crosses the wire, not one per instalment."""
    principal = _remaining("principal")
    tolerance = " ".join(f"WHEN {int(pv)} THEN {int(fen)}" for pv, fen in tolerances.items())
    sql = (
        f"SELECT i.loan_id, SUM({principal}), "
        f"SUM(CASE WHEN i.due_date < %s THEN {principal} ELSE 0 END), "
        f"SUM(CASE WHEN i.due_date < %s THEN {_open()} ELSE 0 END), "
        f"MIN(CASE WHEN i.due_date <= %s AND ROUND(({_open()}) * 100) > "
        f"(CASE l.product_version_id {tolerance} ELSE 0 END) THEN i.due_date END) "
        f"{_scope(Instalment._meta.db_table, Loan._meta.db_table, lo, hi)} GROUP BY i.loan_id"
    )
    names = ["loan_id", "outstanding_principal", "overdue_principal", "overdue_total", "earliest"]
    frame = _query(sql, [as_of, as_of, as_of, institution_id], names)
    if frame.height == 0:
        return pl.DataFrame(schema={**dict.fromkeys(names[:-1], pl.Int64), "earliest": pl.Date})
    return frame.with_columns(*_fen(*names[1:4]), _date("earliest"))


def _due_dates(loan_ids: list[int], as_of: dt.date) -> pl.DataFrame:
    """Every due date up to `as_of` of the given loans (paid or not), for the upgrade rule's count."""
    rows: list[tuple[int, dt.date]] = []
    for n in range(0, len(loan_ids), 900):
        rows.extend(
            Instalment.objects.filter(loan_id__in=loan_ids[n : n + 900], due_date__lte=as_of).values_list(
                "loan_id", "due_date"
            )
        )
    return pl.DataFrame(rows, schema={"loan_id": pl.Int64, "due_date": pl.Date}, orient="row")


def _loans(institution_id: int, lo: int, hi: int) -> pl.DataFrame:
    rows = Loan.objects.filter(
        institution_id=institution_id, status=Loan.Status.ACTIVE, pk__gte=lo, pk__lte=hi
    ).values_list("pk", "product_version_id", "restructured_on")
    return pl.DataFrame(
        list(rows), schema=["loan_id", "product_version_id", "restructured_on"], orient="row"
    ).with_columns(pl.col("restructured_on").cast(pl.Date))


def _product_rules(version_ids: list[int]) -> tuple[pl.DataFrame, dict[int, tuple]]:
    """Per product version: grace days, tolerance (fen), rule set, first bucket; and its bucket table."""
    rows, tables = [], {}
    for pv in ProductVersion.objects.filter(pk__in=version_ids):
        config = P.from_json(pv.config)
        rows.append(
            (
                pv.pk,
                config.grace_days,
                int(config.tolerance * 100),
                config.classification_rule_set,
                str(config.buckets[0][0]),
            )
        )
        tables[pv.pk] = tuple(tuple(b) for b in config.buckets)
    schema = ["product_version_id", "grace_days", "tolerance_fen", "rule_set", "first_bucket"]
    return pl.DataFrame(rows, schema=schema, orient="row"), tables


def _bucket_expr(buckets: list[list[Any]]) -> pl.Expr:
    expr = pl.lit(str(buckets[-1][0]))
    for label, low, high in reversed(buckets[:-1]):
        expr = (
            pl.when((pl.col("dpd") >= int(low)) & (pl.col("dpd") <= int(high)))
            .then(pl.lit(str(label)))
            .otherwise(expr)
        )
    return expr


def _floor_expr() -> pl.Expr:
    """rules.classify: the DPD floor by rule set, raised to 关注 in a restructure's observation."""

    def ladder(loss: int, doubtful: int) -> pl.Expr:
        dpd = pl.col("dpd")
        return (
            pl.when(dpd > loss)
            .then(4)
            .when(dpd > doubtful)
            .then(3)
            .when(dpd > 90)
            .then(2)
            .when(dpd > 0)
            .then(1)
            .otherwise(0)
        )

    floor = pl.when(pl.col("rule_set") == "credit_card").then(ladder(180, 120)).otherwise(ladder(360, 270))
    return (
        pl.when(pl.col("in_observation") & (floor < CLASS_INDEX["special_mention"]))
        .then(CLASS_INDEX["special_mention"])
        .otherwise(floor)
    )


def _prior(institution_id: int, as_of: dt.date, lo: int, hi: int) -> pl.DataFrame:
    """Each loan's bucket and class at the end of the previous business date (its last transition
    before `as_of`), and the date of its last bucket change (or, for a loan that never changed
    bucket, of its last class change, such as a manual classification): a rerun finds the same."""
    table, loans = BucketTransition._meta.db_table, Loan._meta.db_table
    sql = (
        "SELECT t.loan_id, t.business_date, t.id, t.from_bucket, t.to_bucket, t.to_class "  # noqa: S608
        f"FROM {table} t JOIN {loans} l ON l.id = t.loan_id "
        "WHERE l.institution_id = %s AND t.loan_id BETWEEN %s AND %s AND l.id BETWEEN %s AND %s "
        "AND t.business_date < %s"
    )
    names = ["loan_id", "business_date", "id", "from_bucket", "to_bucket", "to_class"]
    moves = _query(sql, [institution_id, lo, hi, lo, hi, as_of], names)
    if moves.height == 0:
        return pl.DataFrame(
            schema={"loan_id": pl.Int64, "prior_bucket": pl.Utf8, "prior_class": pl.Utf8, "moved_on": pl.Date}
        )
    return (
        moves.with_columns(_date("business_date"))
        .sort("loan_id", "business_date", "id")
        .group_by("loan_id")
        .agg(
            pl.col("to_bucket").last().alias("prior_bucket"),
            pl.col("to_class").last().alias("prior_class"),
            pl.col("business_date")
            .filter(pl.col("from_bucket") != pl.col("to_bucket"))
            .last()
            .fill_null(pl.col("business_date").last())
            .alias("moved_on"),
        )
        .with_columns(pl.col("loan_id").cast(pl.Int64))
    )


def _overrides(as_of: dt.date, lo: int, hi: int) -> pl.DataFrame:
    """The worst approved manual classification in effect on `as_of` per loan."""
    rows = ClassificationOverride.objects.filter(
        Q(until__isnull=True) | Q(until__gte=as_of),
        loan_id__gte=lo,
        loan_id__lte=hi,
        status=ClassificationOverride.Status.APPROVED,
        decided_on__lte=as_of,
    ).values_list("loan_id", "classification")
    worst: dict[int, int] = {}
    for loan_id, cls in rows:
        worst[loan_id] = max(worst.get(loan_id, 0), CLASS_INDEX[cls])
    return pl.DataFrame(
        list(worst.items()), schema={"loan_id": pl.Int64, "override_index": pl.Int64}, orient="row"
    )


def _ecl_frame(institution_id: int) -> pl.DataFrame:
    setting = runtime_config.for_institution(Institution.objects.get(pk=institution_id))["eod.ecl_table"]
    table = ecl.parse(setting)
    return pl.DataFrame(
        [(stage, bucket, pd, lgd) for (stage, bucket), (pd, lgd) in table.items()],
        schema={"stage": pl.Int64, "bucket": pl.Utf8, "pd": pl.Int64, "lgd": pl.Int64},
        orient="row",
    )


def delinquency(institution_id: int, as_of: dt.date, lo: int, hi: int) -> int:
    """For the active loans in [lo, hi], in one pass: DPD (grace, tolerance), bucket from the product
    table, five-tier class (floors, rule set, restructure observation, the upgrade rule, manual
    overrides), IFRS 9 stage, class provision and ECL; bucket or class changes are appended to the
    transition history. Returns the number of loans."""
    # Settled and written-off loans leave the table; a rerun replaces its own transitions.
    LoanDelinquency.objects.filter(
        loan_id__gte=lo, loan_id__lte=hi, loan__institution_id=institution_id
    ).delete()
    BucketTransition.objects.filter(
        loan_id__gte=lo, loan_id__lte=hi, business_date=as_of, loan__institution_id=institution_id
    ).delete()
    _mark_seen(institution_id, as_of, lo, hi)
    loans = _loans(institution_id, lo, hi)
    if loans.height == 0:
        return 0
    rules, tables = _product_rules(loans.get_column("product_version_id").unique().to_list())
    loans = loans.join(rules, on="product_version_id", how="left")
    tolerances = dict(rules.select("product_version_id", "tolerance_fen").iter_rows())
    sums = _loan_sums(institution_id, lo, hi, as_of, tolerances)
    frame = (
        loans.join(sums, on="loan_id", how="left")
        .with_columns(
            (pl.lit(as_of) - pl.col("earliest")).dt.total_days().fill_null(0).alias("raw_dpd"),
            ((pl.lit(as_of) - pl.col("restructured_on")).dt.total_days() <= OBSERVATION_DAYS)
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
        .with_columns(pl.col("outstanding_principal", "overdue_principal", "overdue_total").fill_null(0))
    )
    parts = []
    for table in set(tables.values()):
        ids = [pv for pv, t in tables.items() if t == table]
        part = frame.filter(pl.col("product_version_id").is_in(ids))
        parts.append(part.with_columns(_bucket_expr([list(b) for b in table]).alias("bucket")))
    frame = (
        pl.concat(parts)
        .join(_prior(institution_id, as_of, lo, hi), on="loan_id", how="left")
        .with_columns(
            pl.col("prior_bucket").fill_null(pl.col("first_bucket")),
            pl.col("prior_class").fill_null("normal").replace_strict(CLASS_INDEX).alias("prior_index"),
            _floor_expr().alias("floor_index"),
        )
        # rules.upgrade_allowed: cured (DPD back to 0) today or at the last bucket change
        .with_columns(
            pl.when(pl.col("dpd") > 0)
            .then(None)
            .when(pl.col("prior_bucket") != pl.col("bucket"))
            .then(pl.lit(as_of))
            .otherwise(pl.col("moved_on"))
            .alias("cured_on")
        )
    )
    # the upgrade rule counts dues since the cure, for non-performing loans back at DPD 0 only
    candidates = frame.filter((pl.col("prior_index") >= NPL_FROM) & pl.col("cured_on").is_not_null())
    dues = (
        _due_dates(candidates.get_column("loan_id").to_list(), as_of)
        .join(frame.select("loan_id", "cured_on"), on="loan_id")
        .filter((pl.col("due_date") > pl.col("cured_on")) & (pl.col("due_date") <= as_of))
        .group_by("loan_id")
        .agg(pl.len().alias("dues_since_cure"))
    )
    six_months_ago = _months_before(as_of, UPGRADE_MONTHS)
    frame = (
        frame.join(dues, on="loan_id", how="left")
        .join(_overrides(as_of, lo, hi), on="loan_id", how="left")
        .with_columns(
            (
                (pl.col("dpd") == 0)
                & pl.col("cured_on").is_not_null()
                & (pl.col("cured_on") <= six_months_ago)
                & (pl.col("dues_since_cure").fill_null(0) >= UPGRADE_PERIODS)
            ).alias("upgrade_allowed")
        )
        .with_columns(
            pl.when(
                (pl.col("prior_index") >= NPL_FROM)
                & (pl.col("floor_index") < pl.col("prior_index"))
                & ~pl.col("upgrade_allowed")
            )
            .then(pl.col("prior_index"))
            .otherwise(pl.col("floor_index"))
            .alias("rules_index")
        )
        .with_columns(
            pl.max_horizontal("rules_index", pl.col("override_index").fill_null(0)).alias("class_index"),
            (pl.col("override_index").fill_null(-1) > pl.col("rules_index")).alias("overridden"),
        )
        .with_columns(
            pl.when((pl.col("dpd") > 90) | (pl.col("class_index") >= NPL_FROM))
            .then(3)
            .when(pl.col("dpd") > 30)
            .then(2)
            .otherwise(1)
            .alias("stage"),
            (pl.col("outstanding_principal") + pl.col("overdue_total") - pl.col("overdue_principal")).alias(
                "exposure"
            ),
        )
    )
    frame = _provide(frame, _ecl_frame(institution_id))
    states = frame.with_columns(
        pl.lit(as_of).alias("as_of"),
        pl.col("class_index")
        .replace_strict(dict(enumerate(CLASSES)), return_dtype=pl.Utf8)
        .alias("classification"),
        *[
            _money(c)
            for c in (
                "overdue_principal",
                "overdue_total",
                "outstanding_principal",
                "provision",
                "exposure",
                "ecl",
            )
        ],
    )
    columns = [
        "loan_id",
        "as_of",
        "dpd",
        "bucket",
        "overdue_principal",
        "overdue_total",
        "outstanding_principal",
        "classification",
        "overridden",
        "stage",
        "provision",
        "exposure",
        "ecl",
    ]
    moves = states.filter(
        (pl.col("bucket") != pl.col("prior_bucket")) | (pl.col("class_index") != pl.col("prior_index"))
    ).select(
        "loan_id",
        pl.lit(as_of).alias("business_date"),
        pl.col("prior_bucket").alias("from_bucket"),
        pl.col("bucket").alias("to_bucket"),
        pl.col("prior_index")
        .replace_strict(dict(enumerate(CLASSES)), return_dtype=pl.Utf8)
        .alias("from_class"),
        pl.col("classification").alias("to_class"),
        "dpd",
    )
    insert_frame(LoanDelinquency._meta.db_table, states.select(columns))
    insert_frame(BucketTransition._meta.db_table, moves)
    return states.height


def _months_before(day: dt.date, months: int) -> dt.date:
    """The latest cure date from which `months` months have passed by `day` (add_months inverse)."""
    from postloan.servicing.domain.dates import add_months

    candidate = add_months(day, -months)
    while add_months(candidate + dt.timedelta(days=1), months) <= day:
        candidate += dt.timedelta(days=1)
    return candidate


def _provide(frame: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """Class provision (outstanding principal × the class coefficient) and ECL (PD × LGD × EAD from
    the table: an exact bucket row, else the stage's * row), half-up to the fen in integers."""
    per_mille = {i: int(PROVISION_RATES[c] * 1000) for i, c in enumerate(CLASSES)}  # rules.provision_fen
    exact = table.filter(pl.col("bucket") != "*")
    fallback = table.filter(pl.col("bucket") == "*").select(
        "stage", pl.col("pd").alias("pd_any"), pl.col("lgd").alias("lgd_any")
    )
    scale = ecl.SCALE * ecl.SCALE
    return (
        frame.join(exact, on=["stage", "bucket"], how="left")
        .join(fallback, on="stage", how="left")
        .with_columns(
            pl.col("pd").fill_null(pl.col("pd_any")),
            pl.col("lgd").fill_null(pl.col("lgd_any")),
            pl.col("class_index").replace_strict(per_mille, return_dtype=pl.Int64).alias("per_mille"),
        )
        .with_columns(
            ((2 * pl.col("outstanding_principal") * pl.col("per_mille") + 1000) // 2000).alias("provision"),
            ((2 * pl.col("exposure") * pl.col("pd") * pl.col("lgd") + scale) // (2 * scale)).alias("ecl"),
        )
    )


def _mark_seen(institution_id: int, as_of: dt.date, lo: int, hi: int) -> bool:
    """Record the first business date the batch closes for each loan (`Loan.penalty_from`): penalty
    accrues from it, and a backdated change restates history no further back. False for a date that
    is not the one being closed (a rerun of an older date)."""
    if Institution.objects.get(pk=institution_id).business_date != as_of:
        return False
    if EodRun.objects.filter(
        institution_id=institution_id, business_date=as_of, status=EodRun.Status.SUCCEEDED
    ).exists():
        return False  # closed before, and the business date set back by hand: its day is in the ledger
    Loan.objects.filter(
        institution_id=institution_id, status=Loan.Status.ACTIVE, pk__gte=lo, pk__lte=hi, penalty_from=None
    ).update(penalty_from=as_of)
    return True


def penalty(institution_id: int, as_of: dt.date, lo: int, hi: int) -> int:
    """Accrue the day `as_of` of penalty interest (servicing.domain.penalty, in exact integer fen)
    on every past-due instalment of the active loans in [lo, hi]. Only the date being closed accrues:
    a rerun or an older date finds its day already in the ledger (and a backdated change has
    re-accrued it by replay). Returns the number of instalments whose penalty changed."""
    if not _mark_seen(institution_id, as_of, lo, hi):
        return 0
    table, loans = Instalment._meta.db_table, Loan._meta.db_table
    principal = _remaining("principal")
    interest = _remaining("interest")
    open_total = _open()
    sql = (
        f"SELECT i.id, i.due_date, {principal}, {interest}, {open_total}, i.penalty_pending, i.penalty_due, "
        f"l.annual_rate, l.product_version_id {_scope(table, loans, lo, hi)} "
        f"AND i.due_date < %s AND ({principal} > 0 OR {interest} > 0 OR i.penalty_pending > 0)"
    )
    names = ["id", "due_date", "principal", "interest", "open", "pending", "penalty", "rate", "pv"]
    frame = _query(sql, [institution_id, as_of], names)
    if frame.height == 0:
        return 0
    frame = frame.with_columns(pl.col("rate").cast(pl.Utf8))
    terms = _penalty_terms(frame.select("rate", "pv").unique().rows())
    frame = (
        frame.with_columns(
            *[
                (pl.col(c).cast(pl.Float64) * 100).round(0).cast(pl.Int64)
                for c in ("principal", "interest", "open", "pending", "penalty")
            ],
            (pl.lit(as_of) - pl.col("due_date").cast(pl.Utf8).str.slice(0, 10).str.to_date())
            .dt.total_days()
            .alias("late"),
        )
        .join(terms, on=["rate", "pv"], how="left")
        .with_columns(
            (pl.col("principal") + pl.when(pl.col("compound")).then(pl.col("interest")).otherwise(0)).alias(
                "base"
            )
        )
        .with_columns(
            # base × rate ÷ day count, half-up to the fen, in integers: rate_e8 is the rate × 10^8
            pl.when(pl.col("base") > 0)
            .then(
                (2 * pl.col("base") * pl.col("rate_e8") + pl.col("day_count") * RATE_SCALE)
                // (2 * pl.col("day_count") * RATE_SCALE)
            )
            .otherwise(0)
            .alias("amount")
        )
    )
    in_grace = pl.col("late") < pl.col("grace_days")
    deciding = pl.col("late") == pl.col("grace_days")
    still_open = pl.col("open") > pl.col("tolerance_fen")
    frame = frame.with_columns(
        pl.when(in_grace)
        .then(0)
        .when(deciding)
        .then(pl.when(still_open).then(pl.col("pending") + pl.col("amount")).otherwise(0))
        .otherwise(pl.col("amount"))
        .alias("booked"),
        pl.when(in_grace)
        .then(pl.col("pending") + pl.col("amount"))
        .when(deciding)
        .then(0)
        .otherwise(pl.col("pending"))
        .alias("pending_after"),
    ).filter((pl.col("booked") != 0) | (pl.col("pending_after") != pl.col("pending")))
    if frame.height == 0:
        return 0
    update_frame(
        table,
        "id",
        frame.select(
            "id",
            (pl.col("penalty") + pl.col("booked")).alias("penalty_due"),
            pl.col("pending_after").alias("penalty_pending"),
        ).with_columns(_money("penalty_due"), _money("penalty_pending")),
    )
    return frame.height


RATE_SCALE = 10**8


def _penalty_terms(pairs: list[tuple[str, int]]) -> pl.DataFrame:
    """Per (contract rate, product version): the penalty rate in units of 10^-8, day count, grace,
    tolerance in fen and the compounding switch, from the same domain rule the replay uses."""
    configs = {
        pv.pk: P.from_json(pv.config) for pv in ProductVersion.objects.filter(pk__in={p for _r, p in pairs})
    }
    rows = []
    for rate, pv in pairs:
        config = configs[pv]
        annual = penalty_rate(Decimal(rate), config.penalty_markup, config.cost_cap)
        rows.append(
            (
                rate,
                pv,
                int(annual * RATE_SCALE),
                config.day_count,
                config.grace_days,
                int(config.tolerance * 100),
                config.compound_penalty,
            )
        )
    schema = ["rate", "pv", "rate_e8", "day_count", "grace_days", "tolerance_fen", "compound"]
    return pl.DataFrame(rows, schema=schema, orient="row")


def promises(institution_id: int, as_of: dt.date, lo: int, hi: int) -> int:
    """Promise-to-pay evaluation: the collections module decides kept/broken promises through the
    `postloan_evaluate_promises` hook; with no module installed there is nothing to decide."""
    from postloan.platform.plugins.manager import hook

    return sum(
        hook().postloan_evaluate_promises(institution_id=institution_id, business_date=as_of, lo=lo, hi=hi)
    )


def snapshots(institution_id: int, as_of: dt.date, lo: int, hi: int) -> int:
    """Daily aggregates by product, org unit, bucket and class for the partition (grouped in the
    database), and on a month-end the loan-level state as well. Returns the aggregate rows written."""
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
        ecl=Sum("ecl"),
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
            ecl=g["ecl"],
        )
        for g in groups
    ]
    fast_insert(PortfolioSnapshot, rows)
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        LoanMonthEnd.objects.filter(
            loan_id__gte=lo, loan_id__lte=hi, business_date=as_of, loan__institution_id=institution_id
        ).delete()
        month_end, delinquency_table, loans = (
            LoanMonthEnd._meta.db_table,
            LoanDelinquency._meta.db_table,
            Loan._meta.db_table,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {month_end} (loan_id, business_date, dpd, bucket, classification, "  # noqa: S608
                "outstanding_principal, overdue_total) "
                "SELECT d.loan_id, d.as_of, d.dpd, d.bucket, d.classification, d.outstanding_principal, "
                f"d.overdue_total FROM {delinquency_table} d JOIN {loans} l ON l.id = d.loan_id "
                "WHERE l.institution_id = %s AND d.loan_id BETWEEN %s AND %s AND d.as_of = %s",
                [institution_id, lo, hi, as_of],
            )
    return len(rows)


STEPS: dict[str, Any] = {
    "penalty": penalty,
    "delinquency": delinquency,
    "promises": promises,
    "snapshots": snapshots,
}
