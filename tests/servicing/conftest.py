"""A booked loan to work on: 1000.00 at 12% over 3 months, equal instalments, disbursed 2026-01-31.
Schedule (see test_schedule): 340.02 due 02-28, 340.02 due 03-31, 340.03 due 04-30."""

import datetime as dt
from decimal import Decimal as D

import pytest

from postloan.servicing import services
from postloan.servicing.models import ApprovalLimit


@pytest.fixture
def product(demo, user_of):  # type: ignore[no-untyped-def]
    return services.save_product(
        actor=user_of("admin"),
        institution=demo,
        code="cash12",
        name="现金贷12期",
        config={"term": 3, "annual_rate": "0.12", "method": "equal_installment"},
    )


@pytest.fixture
def customer(demo, user_of):  # type: ignore[no-untyped-def]
    from postloan.platform.models import OrgUnit

    return services.create_customer(
        actor=user_of("agent"),
        institution=demo,
        customer_no="C0001",
        name="周杰",
        id_number="11010519900307283X",
        org_unit=OrgUnit.objects.get(code="COLL-A"),
        owner=user_of("collector"),
        contacts=[{"kind": "mobile", "value": "13912345678", "label": "本人"}],
    )


@pytest.fixture
def loan(customer, product, user_of, demo):  # type: ignore[no-untyped-def]
    demo.business_date = dt.date(2026, 5, 15)
    demo.save()
    return services.book_loan(
        actor=user_of("agent"),
        customer=customer,
        product=product,
        loan_no="L0001",
        principal=D("1000.00"),
        disbursed_on=dt.date(2026, 1, 31),
    )


@pytest.fixture
def limits(demo):  # type: ignore[no-untyped-def]
    from postloan.platform.models import Role

    manager = Role.objects.get(code="collection_manager")
    ApprovalLimit.objects.create(role=manager, kind="waiver", max_amount=D("500.00"))
    ApprovalLimit.objects.create(role=manager, kind="write_off", max_amount=D("5000.00"))
