"""Read queries for servicing screens and the API, always through the user's data scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from postloan.platform import pii, scope
from postloan.platform.domain.identity import is_valid_mobile
from postloan.servicing.domain import product as P
from postloan.servicing.domain.delinquency import days_past_due
from postloan.servicing.domain.ledger import COMPONENTS
from postloan.servicing.domain.money import ZERO
from postloan.servicing.models import (
    Adjustment,
    Contact,
    Customer,
    CustomFieldDef,
    ImportBatch,
    Instalment,
    Loan,
    Product,
    Repayment,
)


def customers_for(user: Any) -> QuerySet[Customer]:
    return scope.visible(Customer.objects.all(), user)


def loans_for(user: Any) -> QuerySet[Loan]:
    return scope.visible(Loan.objects.select_related("customer", "product_version__product"), user)


def visible_customer(user: Any, pk: int) -> Customer:
    """The customer if the user's scope includes it; 404 otherwise (never reveal that it exists)."""
    customer = customers_for(user).filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


def visible_loan(user: Any, pk: int) -> Loan:
    loan = loans_for(user).filter(pk=pk).first()
    if loan is None:
        raise Http404
    return loan


def search_customers(user: Any, query: str) -> QuerySet[Customer]:
    """Name (substring), customer or loan number (exact), or full phone / ID number through the keyed
    hash — clear PII is never compared in SQL."""
    qs = customers_for(user)
    query = query.strip()
    if not query:
        return qs.order_by("-id")
    compact = query.replace(" ", "").replace("-", "")
    condition = Q(name__icontains=query) | Q(customer_no=query) | Q(loans__loan_no=query)
    condition |= Q(id_number_hash=pii.lookup_hash("id_number", compact))
    if is_valid_mobile(compact) or compact.startswith("+86"):
        phone_hash = pii.lookup_hash("phone", compact)
        condition |= Q(pk__in=Contact.objects.filter(value_hash=phone_hash).values("customer_id"))
    return qs.filter(condition).distinct().order_by("-id")


def loan_balances(loans: list[Loan], as_of: Any) -> dict[int, dict[str, Any]]:
    """Outstanding principal, total outstanding, overdue amount and DPD per loan, from one query over
    their instalments (a customer page shows a handful of loans; the portfolio-wide figures come
    from the EOD batch, not from here)."""
    out: dict[int, dict[str, Any]] = {
        loan.pk: {"principal": ZERO, "total": ZERO, "overdue": ZERO, "dpd": 0, "items": []} for loan in loans
    }
    fields = [f"{c}_{k}" for c in COMPONENTS for k in ("due", "paid", "waived")]
    for row in Instalment.objects.filter(loan__in=loans).values("loan_id", "due_date", *fields):
        entry = out[row["loan_id"]]
        open_amount = sum((row[f"{c}_due"] - row[f"{c}_paid"] - row[f"{c}_waived"] for c in COMPONENTS), ZERO)
        entry["principal"] += row["principal_due"] - row["principal_paid"] - row["principal_waived"]
        entry["total"] += open_amount
        if row["due_date"] < as_of:  # due today is not yet overdue (DPD 0 on the due date)
            entry["overdue"] += open_amount
        entry["items"].append((row["due_date"], open_amount))
    for loan in loans:
        config = P.from_json(loan.product_version.config)
        entry = out[loan.pk]
        entry["dpd"] = days_past_due(
            entry.pop("items"), as_of, grace_days=config.grace_days, tolerance=config.tolerance
        )
    return out


def instalments_of(loan: Loan) -> list[dict[str, Any]]:
    rows = []
    for inst in loan.instalments.order_by("period"):
        due = {c: getattr(inst, f"{c}_due") for c in COMPONENTS}
        paid = {c: getattr(inst, f"{c}_paid") for c in COMPONENTS}
        waived = {c: getattr(inst, f"{c}_waived") for c in COMPONENTS}
        total_due = sum(due.values(), ZERO)
        outstanding = total_due - sum(paid.values(), ZERO) - sum(waived.values(), ZERO)
        rows.append(
            {
                "row": inst,
                "due": due,
                "paid": paid,
                "waived": waived,
                "total_due": total_due,
                "total_paid": sum(paid.values(), ZERO),
                "total_waived": sum(waived.values(), ZERO),
                "outstanding": outstanding,
            }
        )
    return rows


def repayments_of(loan: Loan) -> QuerySet[Repayment]:
    return loan.repayments.order_by("-value_date", "-id")


def import_batches(institution: Any) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(institution=institution).order_by("-id")


def custom_fields_of(institution: Any) -> QuerySet[CustomFieldDef]:
    return CustomFieldDef.objects.filter(institution=institution).order_by("entity", "key")


def products_of(institution: Any) -> QuerySet[Product]:
    return Product.objects.filter(institution=institution).order_by("code")


def adjustment_queue(user: Any, *, status: str = Adjustment.Status.REQUESTED) -> QuerySet[Adjustment]:
    loans = loans_for(user)
    return (
        Adjustment.objects.filter(loan__in=loans, status=status)
        .select_related("loan__customer", "requested_by", "decided_by")
        .order_by("-id")
    )


def portfolio_summary(user: Any, as_of: Any) -> dict[str, Any]:
    """Headline figures of the loans in the user's scope, in three aggregate queries: counts by status,
    balances, and days past due by loan (calendar days, before any grace period)."""
    from django.db.models import Count, F, Min, Sum

    loans = loans_for(user)
    by_status = dict(loans.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    rows = Instalment.objects.filter(loan__in=loans.filter(status=Loan.Status.ACTIVE))
    open_amount = sum(
        (F(f"{c}_due") - F(f"{c}_paid") - F(f"{c}_waived") for c in COMPONENTS[1:]),
        F("fee_due") - F("fee_paid") - F("fee_waived"),
    )
    totals = rows.aggregate(
        principal=Sum(F("principal_due") - F("principal_paid") - F("principal_waived")),
        total=Sum(open_amount),
    )
    overdue = (
        rows.filter(due_date__lt=as_of)
        .annotate(open=open_amount)
        .filter(open__gt=0)
        .values("loan_id")
        .annotate(first=Min("due_date"), amount=Sum("open"))
    )
    buckets = dict.fromkeys(["M1", "M2", "M3", "M4+"], 0)
    overdue_amount = ZERO
    for row in overdue:
        dpd = (as_of - row["first"]).days
        overdue_amount += row["amount"]
        if dpd > 0:
            buckets["M1" if dpd <= 30 else "M2" if dpd <= 60 else "M3" if dpd <= 90 else "M4+"] += 1
    active = by_status.get(Loan.Status.ACTIVE, 0)
    return {
        "active": active,
        "settled": by_status.get(Loan.Status.SETTLED, 0),
        "written_off": by_status.get(Loan.Status.WRITTEN_OFF, 0),
        "principal": totals["principal"] or ZERO,
        "total": totals["total"] or ZERO,
        "overdue_amount": overdue_amount,
        "buckets": {"M0": active - sum(buckets.values()), **buckets},
        "overdue_loans": sum(buckets.values()),
    }
