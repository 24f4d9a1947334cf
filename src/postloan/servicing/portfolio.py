"""`postloan generate` and `postloan demo`: a synthetic institution written through the import path."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from postloan.platform.bulkwrite import refresh_statistics
from postloan.platform.models import Institution, OrgUnit, Role, User
from postloan.servicing import generator, importing, services
from postloan.servicing.domain import product as P
from postloan.servicing.models import ApprovalLimit, Customer, Instalment, Loan, Product, Repayment

CHUNK = 50_000

PRODUCTS = (
    (
        "cash12",
        "随借随还现金贷（12期）",
        {
            "product_type": "cash_loan",
            "method": "equal_installment",
            "term": 12,
            "annual_rate": "0.1800",
            "grace_days": 3,
        },
    ),
    (
        "consumer24",
        "消费分期（24期，等额本金）",
        {
            "product_type": "consumer_instalment",
            "method": "equal_principal",
            "term": 24,
            "annual_rate": "0.1200",
            "grace_days": 0,
        },
    ),
    (
        "sme6",
        "小微经营贷（先息后本，6期）",
        {
            "product_type": "sme",
            "method": "interest_only",
            "term": 6,
            "annual_rate": "0.0900",
            "grace_days": 5,
            "overpayment": "credit",
        },
    ),
)


@transaction.atomic
def ensure_products(institution: Institution) -> None:
    admin = User.objects.filter(institution=institution, roles__code="administrator").first()
    for code, name, config in PRODUCTS:
        if not Product.objects.filter(institution=institution, code=code).exists():
            services.save_product(actor=admin, institution=institution, code=code, name=name, config=config)
    manager = Role.objects.filter(code="collection_manager").first()
    if manager is not None:
        ApprovalLimit.objects.get_or_create(role=manager, kind="waiver", defaults={"max_amount": 5000})
        ApprovalLimit.objects.get_or_create(role=manager, kind="write_off", defaults={"max_amount": 50000})


def generate_into(
    institution: Institution, *, loans: int, months: int, seed: int, as_of: dt.date
) -> dict[str, int]:
    """Build the portfolio and import customers, loans and repayments (each batch atomic)."""
    ensure_products(institution)
    if institution.business_date != as_of:
        from postloan.platform import services as platform

        institution = platform.set_business_date(
            actor=None, institution=institution, new_date=as_of, reason="portfolio generator --as-of"
        )
    terms = {}
    for product in Product.objects.filter(institution=institution):
        config = P.from_json(product.versions.get(version=product.current_version).config)
        terms[product.code] = (config.method, config.term, f"{config.annual_rate}")
    units = list(
        OrgUnit.objects.filter(institution=institution, kind__in=["team", "agency"])
        .order_by("code")
        .values_list("code", flat=True)
    ) or ["HQ"]
    counts: dict[str, int] = {}
    # Large portfolios are built and imported in chunks, which bounds memory; each chunk is one
    # atomic batch per entity, so an interrupted run keeps whole chunks and resumes by re-running.
    for offset in range(0, loans, CHUNK):
        size = min(CHUNK, loans - offset)
        book = generator.build(
            loans=size,
            months=months,
            seed=seed,
            as_of=as_of,
            product_terms=terms,
            org_units=units,
            offset=offset,
        )
        for entity, frame in (
            ("customers", book.customers),
            ("loans", book.loans),
            ("repayments", book.repayments),
        ):
            batch = importing.import_frame(
                actor=None,
                institution=institution,
                entity=entity,
                frame=frame,
                name=f"generator seed={seed} loans {offset + 1}-{offset + size}",
            )
            counts[entity] = counts.get(entity, 0) + batch.inserted + batch.updated + batch.unchanged
            counts[f"{entity}_rejected"] = counts.get(f"{entity}_rejected", 0) + batch.rejected
    refresh_statistics(*(m._meta.db_table for m in (Customer, Loan, Instalment, Repayment)))
    return counts
