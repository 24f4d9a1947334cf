"""The import use-case (统一数据标准与数据治理): read a file, validate it against the data standard,
commit the accepted rows in one transaction, and keep a quality report and the rejected rows.

A batch is all or nothing: a crash or kill mid-way leaves no row of it. Re-importing the same file
changes nothing (row fingerprints), an updated row updates.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from postloan.platform import services as platform
from postloan.platform.models import Institution, OrgUnit, User
from postloan.servicing import bulk
from postloan.servicing.domain.data_standard import ENTITIES
from postloan.servicing.intake import ROW, ImportFileError, file_digest, read_table, validate
from postloan.servicing.models import Customer, ImportBatch, Loan, Product

REASONS = {
    "required": gettext_noop("This field is required."),
    "not_allowed": gettext_noop("Not one of the allowed values."),
    "too_long": gettext_noop("Too long."),
    "bad_date": gettext_noop("Not a date in the form YYYY-MM-DD."),
    "bad_money": gettext_noop("Not an amount such as 1234.56."),
    "not_positive": gettext_noop("The amount must be greater than zero."),
    "bad_rate": gettext_noop("Not a rate between 0 and 1 such as 0.0435."),
    "bad_int": gettext_noop("Not a whole number of at least 1."),
    "bad_mobile": gettext_noop("Not an 11-digit mainland mobile number."),
    "bad_id_number": gettext_noop("Not a valid 18-digit ID number (check digit mismatch)."),
    "duplicate_key": gettext_noop("The same key appears earlier in this file."),
    "unknown_customers": gettext_noop("No customer with this number."),
    "unknown_products": gettext_noop("No product with this code."),
    "unknown_loans": gettext_noop("No loan with this number."),
    "unknown_org_units": gettext_noop("No organisation unit with this code."),
    "before_disbursed": gettext_noop("The value date is before the loan was disbursed."),
    "after_business_date": gettext_noop("The date is after the business date."),
    "loan_has_activity": gettext_noop("The loan already has repayments; its terms can no longer change."),
    "above_cost_cap": gettext_noop("The rate is above the product's total cost cap."),
    "payment_changed": gettext_noop("This transaction id was already booked with different content."),
    "loan_not_active": gettext_noop("The loan is settled or written off."),
}
MAX_STORED_REJECTS = 5000


def _known(institution: Institution, entity: str) -> dict[str, Any]:
    known: dict[str, Any] = {"business_date": {institution.business_date.isoformat()}}
    if entity == "customers":
        known["org_units"] = set(
            OrgUnit.objects.filter(institution=institution).values_list("code", flat=True)
        )
    if entity == "loans":
        known["customers"] = set(
            Customer.objects.filter(institution=institution).values_list("customer_no", flat=True)
        )
        known["products"] = set(
            Product.objects.filter(institution=institution, active=True).values_list("code", flat=True)
        )
    if entity == "repayments":
        dates = dict(Loan.objects.filter(institution=institution).values_list("loan_no", "disbursed_on"))
        known["loans"] = set(dates)
        known["loan_dates"] = {no: d.isoformat() for no, d in dates.items()}
    return known


def import_file(
    *, actor: User | None, institution: Institution, entity: str, path: Path, language: str | None = None
) -> ImportBatch:
    if actor is not None:
        platform.require(actor, "servicing.import_data")
    if entity not in ENTITIES:
        raise ValidationError({"entity": _("Unknown entity; use one of: %(e)s") % {"e": ", ".join(ENTITIES)}})
    started = time.monotonic()
    try:
        frame = read_table(path)
    except ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    return import_frame(
        actor=actor,
        institution=institution,
        entity=entity,
        frame=frame,
        name=path.name,
        sha256=file_digest(path),
        language=language,
        started=started,
    )


def import_frame(
    *,
    actor: User | None,
    institution: Institution,
    entity: str,
    frame: pl.DataFrame,
    name: str,
    sha256: str = "",
    language: str | None = None,
    started: float | None = None,
) -> ImportBatch:
    """Validate and commit a data-standard frame (from a file, or from the portfolio generator)."""
    started = started if started is not None else time.monotonic()
    try:
        checked = validate(entity, frame, _known(institution, entity))
    except ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    with transaction.atomic():
        outcome = bulk.WRITERS[entity](institution, checked.good, institution.business_date, checked.provided)
        rejects = checked.rejects
        if outcome.rejects:
            rejects = pl.concat([rejects, pl.DataFrame(outcome.rejects, schema=rejects.schema)]).sort(ROW)
        changed = outcome.inserted + outcome.updated
        batch = ImportBatch.objects.create(
            institution=institution,
            entity=entity,
            file_name=name,
            file_sha256=sha256,
            status=ImportBatch.Status.COMMITTED if changed else ImportBatch.Status.UNCHANGED,
            rows_in=checked.rows_in,
            inserted=outcome.inserted,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            rejected=rejects.get_column(ROW).n_unique(),
            report=checked.report
            | {
                "write_rejects": len(outcome.rejects or []),
                "rejected_rows": rejects.get_column(ROW).n_unique(),
                "problems": dict(rejects.group_by("reason").agg(pl.len()).sort("reason").rows()),
            },
            seconds=round(time.monotonic() - started, 3),
            actor=getattr(actor, "username", "system"),
        )
        with translation.override(language or settings.LANGUAGE_CODE):
            readable = [
                {
                    "row": r[ROW],
                    "field": r["field"],
                    "reason": _(REASONS.get(r["reason"], r["reason"])),
                    "value": r["value"],
                }
                for r in rejects.iter_rows(named=True)
            ]
        batch.rejects = readable[:MAX_STORED_REJECTS]
        batch.reject_file = str(_write_rejects(batch, readable)) if readable else ""
        batch.save(update_fields=["rejects", "reject_file"])
        platform.record_audit(
            actor=actor,
            action="import",
            obj=batch,
            after={
                "entity": entity,
                "file": name,
                "sha256": batch.file_sha256,
                "inserted": batch.inserted,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
            },
            institution_id=institution.pk,
        )
    return batch


def _write_rejects(batch: ImportBatch, rows: list[dict[str, Any]]) -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"batch-{batch.pk}-{batch.entity}-rejects.csv"
    with target.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=["row", "field", "reason", "value"])
        writer.writeheader()
        writer.writerows(rows)
    return target


def save_upload(upload: Any) -> Path:
    """Keep an uploaded file under the data directory (the batch refers to it by name)."""
    import uuid

    folder = Path(settings.DATA_DIR) / "imports" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(upload.name).name
    target = folder / f"{uuid.uuid4().hex[:12]}-{name}"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target
