"""Export of importable entities in the data-standard format (CSV / JSON Lines / Parquet by file
extension). Sorted by natural key and formatted exactly as the import expects, so export → import
into an empty database → export gives identical files."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from postloan.platform.models import Institution
from postloan.servicing.domain.data_standard import ENTITIES
from postloan.servicing.models import Contact, Customer, Loan, Repayment


def _s(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)


def frame_for(institution: Institution, entity: str) -> pl.DataFrame:
    columns = ENTITIES[entity].columns
    if entity == "customers":
        mobiles = {
            c.customer_id: c.value
            for c in Contact.objects.filter(
                customer__institution=institution, kind="mobile", relation="self"
            ).order_by("pk")
        }
        rows = [
            {
                "customer_no": c.customer_no,
                "name": c.name,
                "id_type": c.id_type,
                "id_number": c.id_number,
                "birth_date": _s(c.birth_date),
                "gender": c.gender,
                "mobile": mobiles.get(c.pk, ""),
                "region": c.region,
                "segment": c.segment,
                "employer": c.employer,
                "occupation": c.occupation,
                "monthly_income": _s(c.monthly_income),
                "assets": _s(c.assets),
                "liabilities": _s(c.liabilities),
                "monthly_obligations": _s(c.monthly_obligations),
                "org_unit_code": c.org_unit.code if c.org_unit else "",
            }
            for c in Customer.objects.filter(institution=institution)
            .select_related("org_unit")
            .order_by("customer_no")
            .iterator(chunk_size=5000)
        ]
    elif entity == "loans":
        rows = [
            {
                "loan_no": x.loan_no,
                "customer_no": x.customer.customer_no,
                "product_code": x.product_version.product.code,
                "principal": _s(x.principal),
                "annual_rate": f"{x.annual_rate.normalize():f}",
                "term": str(x.term),
                "disbursed_on": _s(x.disbursed_on),
            }
            for x in Loan.objects.filter(institution=institution)
            .select_related("customer", "product_version__product")
            .order_by("loan_no")
            .iterator(chunk_size=5000)
        ]
    else:
        rows = [
            {
                "external_id": r.external_id or "",
                "loan_no": r.loan.loan_no,
                "amount": _s(r.amount),
                "value_date": _s(r.value_date),
                "channel": r.channel,
            }
            for r in Repayment.objects.filter(institution=institution, status=Repayment.Status.POSTED)
            .exclude(external_id=None)
            .select_related("loan")
            .order_by("external_id")
            .iterator(chunk_size=5000)
        ]
    return (
        pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.Utf8), orient="row")
        if rows
        else pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8))
    )


def export(institution: Institution, entity: str, path: Path) -> int:
    frame = frame_for(institution, entity)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(path, statistics=False)
    elif suffix in (".jsonl", ".ndjson"):
        frame.write_ndjson(path)
    else:
        frame.write_csv(path)
    return frame.height
