"""Bulk writes for imports and the portfolio generator: rows go in with executemany / bulk_update in
batches, references are resolved with one query per entity, and loan ledgers are replayed in memory
through the same domain code the screens use. Never one ORM save per row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from postloan.platform import pii
from postloan.platform.bulkwrite import fast_insert, insert_rows
from postloan.platform.models import Institution, OrgUnit
from postloan.platform.plugins.manager import hook
from postloan.servicing import ledger_store, services
from postloan.servicing.domain import ledger as L
from postloan.servicing.domain import product as P
from postloan.servicing.domain.dates import add_months
from postloan.servicing.domain.schedule import generate
from postloan.servicing.intake import ROW, fingerprint
from postloan.servicing.models import (
    Adjustment,
    Contact,
    Customer,
    Instalment,
    Loan,
    Product,
    ProductVersion,
    Repayment,
    ScheduleVersion,
)
from postloan.servicing.services import CUSTOMER_FIELDS

BATCH = 5000


INSTALMENT_COLUMNS = [
    "loan_id",
    "period",
    "due_date",
    *[f for triple in ledger_store.COMPONENT_FIELDS.values() for f in triple],
    "penalty_pending",
]


def insert_instalments(rows: list[tuple[Any, ...]]) -> None:
    """Instalment tuples: loan id, period, due date, due/paid/waived by component, pending penalty."""
    insert_rows(Instalment._meta.db_table, INSTALMENT_COLUMNS, rows)


def instalment_tuples(loan_id: int, ledger: L.Ledger) -> list[tuple[Any, ...]]:
    return [
        (
            loan_id,
            i.period,
            i.due_date,
            *[value for comp in L.COMPONENTS for value in (i.due[comp], i.paid[comp], i.waived[comp])],
            i.pending,
        )
        for i in ledger.instalments
    ]


@dataclass
class Outcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[dict[str, Any]] | None = None  # rows refused while writing (e.g. a changed payment)


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


CUSTOMER_COLUMNS = CUSTOMER_FIELDS  # the customer attributes a file (or a screen) may set


def upsert_customers(
    institution: Institution,
    frame: pl.DataFrame,
    business_date: dt.date,
    provided: frozenset[str] = frozenset(),
) -> Outcome:
    """New customers are inserted; an existing one is updated in the columns the file provided only
    (a file with customer_no and region changes the region and nothing else)."""
    spec_columns = [c for c in frame.columns if c != ROW]
    frame = frame.with_columns(fingerprint(frame, spec_columns).alias("__hash"))
    existing = {
        no: (pk, h)
        for pk, no, h in Customer.objects.filter(institution=institution).values_list(
            "pk", "customer_no", "import_hash"
        )
    }
    units = dict(OrgUnit.objects.filter(institution=institution).values_list("code", "pk"))
    outcome = Outcome()
    new, changed = [], []
    for row in frame.iter_rows(named=True):
        found = existing.get(row["customer_no"])
        if found and found[1] == row["__hash"]:
            outcome.unchanged += 1
            continue
        values = {
            "name": row["name"],
            "id_type": row["id_type"] or "resident_id",
            "id_number": row["id_number"],
            "birth_date": _date(row["birth_date"]),
            "gender": row["gender"] or "U",
            "region": row["region"],
            "segment": row["segment"],
            "employer": row["employer"],
            "occupation": row["occupation"],
            "monthly_income": _dec(row["monthly_income"]),
            "assets": _dec(row["assets"]),
            "liabilities": _dec(row["liabilities"]),
            "monthly_obligations": _dec(row["monthly_obligations"]),
            "org_unit_id": units.get(row["org_unit_code"]),
            "import_hash": row["__hash"],
        }
        if found:
            changed.append(
                (
                    Customer(pk=found[0], institution=institution, customer_no=row["customer_no"], **values),
                    row["mobile"],
                )
            )
        else:
            new.append(
                (Customer(institution=institution, customer_no=row["customer_no"], **values), row["mobile"])
            )
    fast_insert(Customer, [c for c, _ in new])
    if new:
        ids = dict(
            Customer.objects.filter(
                institution=institution, customer_no__in=[c.customer_no for c, _ in new]
            ).values_list("customer_no", "pk")
        )
        fast_insert(
            Contact,
            [
                Contact(
                    customer_id=ids[c.customer_no], kind="mobile", relation="self", label="本人手机", value=m
                )
                for c, m in new
                if m
            ],
        )
    if changed:
        for customer, _m in changed:
            customer.id_number_hash = pii.lookup_hash("id_number", customer.id_number)
        provided = provided or frozenset(CUSTOMER_COLUMNS) | {"org_unit_code", "mobile"}
        columns = [c for c in CUSTOMER_COLUMNS if c in provided] + ["import_hash"]
        columns += ["org_unit_id"] if "org_unit_code" in provided else []
        columns += ["id_number_hash"] if "id_number" in provided else []
        Customer.objects.bulk_update([c for c, _ in changed], columns, batch_size=BATCH)
        own = {
            ct.customer_id: ct
            for ct in Contact.objects.filter(
                customer_id__in=[c.pk for c, _ in changed], kind="mobile", relation="self"
            )
        }
        updates, creates = [], []
        for customer, mobile in changed:
            contact = own.get(customer.pk)
            if "mobile" not in provided or not mobile:
                continue
            if contact is not None and contact.value != mobile:
                contact.value, contact.value_hash = mobile, pii.lookup_hash("phone", mobile)
                updates.append(contact)
            elif contact is None and mobile:
                creates.append(
                    Contact(
                        customer_id=customer.pk,
                        kind="mobile",
                        relation="self",
                        label="本人手机",
                        value=mobile,
                    )
                )
        Contact.objects.bulk_update(updates, ["value", "value_hash"], batch_size=BATCH)
        Contact.objects.bulk_create(creates, batch_size=BATCH)
    outcome.inserted, outcome.updated = len(new), len(changed)
    return outcome


def upsert_loans(
    institution: Institution,
    frame: pl.DataFrame,
    business_date: dt.date,
    provided: frozenset[str] = frozenset(),
) -> Outcome:
    spec_columns = [c for c in frame.columns if c != ROW]
    frame = frame.with_columns(fingerprint(frame, spec_columns).alias("__hash"))
    existing = {
        no: (pk, h)
        for pk, no, h in Loan.objects.filter(institution=institution).values_list(
            "pk", "loan_no", "import_hash"
        )
    }
    # A loan with any activity (payments, waivers, write-off, restructure) keeps the terms it has.
    busy = (
        set(Repayment.objects.filter(loan__institution=institution).values_list("loan__loan_no", flat=True))
        | set(
            Adjustment.objects.filter(loan__institution=institution).values_list("loan__loan_no", flat=True)
        )
        | set(
            Loan.objects.filter(institution=institution)
            .exclude(status=Loan.Status.ACTIVE, schedule_version=1)
            .values_list("loan_no", flat=True)
        )
    )
    customers = {
        no: (pk, org)
        for pk, no, org in Customer.objects.filter(institution=institution).values_list(
            "pk", "customer_no", "org_unit_id"
        )
    }
    versions = {
        p.code: p.versions.get(version=p.current_version)
        for p in Product.objects.filter(institution=institution)
    }
    configs = {code: P.from_json(v.config) for code, v in versions.items()}
    outcome = Outcome(rejects=[])
    loans, replaced = [], []
    for row in frame.iter_rows(named=True):
        found = existing.get(row["loan_no"])
        if found and found[1] == row["__hash"]:
            outcome.unchanged += 1
            continue
        if found and row["loan_no"] in busy:
            outcome.rejects.append(
                {ROW: row[ROW], "field": "loan_no", "reason": "loan_has_activity", "value": row["loan_no"]}
            )
            continue
        config = configs[row["product_code"]]
        rate = Decimal(row["annual_rate"]) if row["annual_rate"] else config.annual_rate
        term = int(row["term"]) if row["term"] else config.term
        if config.cost_cap is not None and rate > config.cost_cap:
            outcome.rejects.append(
                {
                    ROW: row[ROW],
                    "field": "annual_rate",
                    "reason": "above_cost_cap",
                    "value": row["annual_rate"],
                }
            )
            continue
        customer_id, org_unit_id = customers[row["customer_no"]]
        disbursed = dt.date.fromisoformat(row["disbursed_on"])
        loan = Loan(
            institution=institution,
            loan_no=row["loan_no"],
            customer_id=customer_id,
            org_unit_id=org_unit_id,
            product_version=versions[row["product_code"]],
            principal=Decimal(row["principal"]),
            annual_rate=rate,
            term=term,
            method=config.method,
            disbursed_on=disbursed,
            maturity_date=add_months(disbursed, term),  # every method's last instalment
            import_hash=row["__hash"],
        )
        if found:
            loan.pk = found[0]
            replaced.append(loan)
        else:
            loans.append(loan)
    if replaced:
        ids = [loan.pk for loan in replaced]
        Instalment.objects.filter(loan_id__in=ids).delete()
        ScheduleVersion.objects.filter(loan_id__in=ids).delete()
        Loan.objects.bulk_update(
            replaced,
            [
                "customer_id",
                "org_unit_id",
                "product_version",
                "principal",
                "annual_rate",
                "term",
                "method",
                "disbursed_on",
                "maturity_date",
                "import_hash",
            ],
            batch_size=BATCH,
        )
    fast_insert(Loan, loans)
    if loans:
        ids = dict(
            Loan.objects.filter(institution=institution, loan_no__in=[x.loan_no for x in loans]).values_list(
                "loan_no", "pk"
            )
        )
        for loan in loans:
            loan.pk = ids[loan.loan_no]
    booked = loans + replaced
    fast_insert(
        ScheduleVersion,
        [
            ScheduleVersion(
                loan_id=x.pk,
                version=1,
                reason="booking",
                base=None,
                terms={"annual_rate": str(x.annual_rate), "term": x.term},
                created_on=business_date,
                created_by="import",
            )
            for x in booked
        ],
    )
    rows: list[tuple[Any, ...]] = []
    for loan in booked:
        schedule = generate(
            principal=loan.principal,
            annual_rate=loan.annual_rate,
            term=loan.term,
            method=loan.method,
            start=loan.disbursed_on,
        )
        rows.extend(instalment_tuples(loan.pk, L.from_schedule(schedule)))
        if len(rows) >= 50_000:  # bounded memory whatever the file size
            insert_instalments(rows)
            rows = []
    insert_instalments(rows)
    outcome.inserted, outcome.updated = len(loans), len(replaced)
    return outcome


def insert_repayments(
    institution: Institution,
    frame: pl.DataFrame,
    business_date: dt.date,
    provided: frozenset[str] = frozenset(),
) -> Outcome:
    """New payments are booked and every affected loan is replayed once (value-date order); a known
    external id with the same content is unchanged, with different content it is refused."""
    frame = frame.with_columns(fingerprint(frame, [c for c in frame.columns if c != ROW]).alias("__hash"))
    known = dict(Repayment.objects.filter(institution=institution).values_list("external_id", "import_hash"))
    loans = {
        x.loan_no: x
        for x in Loan.objects.filter(
            institution=institution, loan_no__in=frame.get_column("loan_no").unique().to_list()
        ).select_related("product_version")
    }
    outcome = Outcome(rejects=[])
    new: list[Repayment] = []
    for row in frame.iter_rows(named=True):
        if row["external_id"] in known:
            if known[row["external_id"]] == row["__hash"]:
                outcome.unchanged += 1
            else:
                outcome.rejects.append(
                    {
                        ROW: row[ROW],
                        "field": "external_id",
                        "reason": "payment_changed",
                        "value": row["external_id"],
                    }
                )
            continue
        loan = loans[row["loan_no"]]
        if loan.status != Loan.Status.ACTIVE:
            outcome.rejects.append(
                {ROW: row[ROW], "field": "loan_no", "reason": "loan_not_active", "value": row["loan_no"]}
            )
            continue
        new.append(
            Repayment(
                loan=loan,
                institution=institution,
                amount=Decimal(row["amount"]),
                value_date=dt.date.fromisoformat(row["value_date"]),
                channel=row["channel"],
                external_id=row["external_id"],
                segment_version=loan.schedule_version,
                posted_on=business_date,
                posted_by="import",
                import_hash=row["__hash"],
            )
        )
    outcome.inserted = len(new)
    replay_loans(institution, [loans[no] for no in {r.loan.loan_no for r in new}], new)
    return outcome


def replay_loans(institution: Institution, loans: list[Loan], new: list[Repayment] | None = None) -> None:
    """Rebuild the ledgers of `loans` from their bases and all their events (stored ones plus the
    unsaved `new` repayments, which are inserted with their allocations), with a fixed number of
    queries whatever the number of loans. Closed days are closed again (penalty); new repayments
    dated before the business date restate the loans' DPD history from their value date."""
    if not loans:
        return
    services.ensure_open(institution)
    ids = [x.pk for x in loans]
    by_loan = {x.pk: x for x in loans}
    segments = {  # restructured loans' current segment (booking segments are regenerated)
        v.loan_id: v
        for v in ScheduleVersion.objects.filter(loan_id__in=ids, base__isnull=False)
        if v.version == by_loan[v.loan_id].schedule_version
    }
    events: dict[int, list[ledger_store.Event]] = defaultdict(list)
    stored: list[Repayment] = []
    for r in Repayment.objects.filter(loan_id__in=ids, status=Repayment.Status.POSTED):
        if r.segment_version == by_loan[r.loan_id].schedule_version:
            events[r.loan_id].append(ledger_store.Event(r.value_date, r.pk, repayment=r))
            stored.append(r)
    for a in Adjustment.objects.filter(
        loan_id__in=ids, kind=Adjustment.Kind.WAIVER, status=Adjustment.Status.APPROVED
    ):
        if a.segment_version == by_loan[a.loan_id].schedule_version:
            events[a.loan_id].append(ledger_store.Event(a.decided_on, a.pk, adjustment=a))
    for n, r in enumerate(new or []):
        # unsaved: they sort after stored payments of the same day, in file order
        events[r.loan.pk].append(ledger_store.Event(r.value_date, 10**15 + n, repayment=r))
    backdated: dict[int, dt.date] = {}
    for r in new or []:
        if r.value_date < institution.business_date:
            backdated[r.loan.pk] = min(r.value_date, backdated.get(r.loan.pk, r.value_date))
    configs: dict[int, P.ProductConfig] = {}
    rows = []
    histories: dict[int, list[Any]] = {}
    for loan in loans:
        pv: ProductVersion = loan.product_version
        if pv.pk not in configs:
            configs[pv.pk] = P.from_json(pv.config)
        terms = ledger_store.terms_for(loan, config=configs[pv.pk])
        segment = segments.get(loan.pk)
        base = ledger_store.segment_base(loan, segment.base if segment else None)
        window = ledger_store.window_for(
            loan,
            institution.business_date,
            ledger_store.segment_start(segment) if segment else None,
            backdated.get(loan.pk),
        )
        ledger, _ = ledger_store.replay_events(
            base, terms, ledger_store.order_events(events[loan.pk]), window
        )
        ledger_store.settle_status(loan, ledger)
        rows.extend(instalment_tuples(loan.pk, ledger))
        if window.history:
            histories[loan.pk] = window.history
    Instalment.objects.filter(loan_id__in=ids).delete()
    insert_instalments(rows)
    fast_insert(Repayment, new or [])
    if stored:
        Repayment.objects.bulk_update(
            stored, ["allocations", "prepaid_principal", "credited"], batch_size=BATCH
        )
    changed = [x for x in loans if x.status != Loan.Status.ACTIVE or x.credit_balance]
    Loan.objects.bulk_update(changed, ["status", "credit_balance"], batch_size=BATCH)
    if histories:
        hook().postloan_history_restated(institution_id=institution.pk, histories=histories)


WRITERS = {"customers": upsert_customers, "loans": upsert_loans, "repayments": insert_repayments}
