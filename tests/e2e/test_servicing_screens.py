"""Servicing as a user sees it: find a customer, open the 360 view, post a repayment and read its
allocation; a waiver goes through maker-checker on screen."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from postloan.servicing import services
from postloan.servicing.models import Adjustment, Loan
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def book(demo_live):  # type: ignore[no-untyped-def]
    """One known borrower (1000.00 at 12% over 3, nothing paid) in team A, business date 2026-03-05."""
    from postloan.platform.models import OrgUnit, User

    agent, admin = User.objects.get(username="agent"), User.objects.get(username="admin")
    demo_live.business_date = dt.date(2026, 3, 5)
    demo_live.save()
    product = services.save_product(
        actor=admin,
        institution=demo_live,
        code="cash3",
        name="现金贷3期",
        config={"term": 3, "annual_rate": "0.12", "grace_days": 0},
    )
    customer = services.create_customer(
        actor=agent,
        institution=demo_live,
        customer_no="C0042",
        name="林晓东",
        id_number="11010519900307283X",
        org_unit=OrgUnit.objects.get(code="COLL-A"),
        contacts=[{"kind": "mobile", "value": "13987654321", "label": "本人手机"}],
    )
    services.book_loan(
        actor=agent,
        customer=customer,
        product=product,
        loan_no="L-E2E-1",
        principal=D("1000"),
        disbursed_on=dt.date(2026, 1, 31),
    )
    return customer


def test_find_customer_open_360_post_repayment_see_allocation(page, book):
    login(page, "agent")
    page.click("[data-menu='/servicing/customers/']")
    page.fill("[data-testid=customer-search] input[name=q]", "139 8765 4321")  # full mobile, via keyed hash
    page.click("[data-testid=customer-search] button")
    page.click("[data-testid=customer-link]")
    expect(page.locator("[data-testid=customer-name]")).to_have_text("林晓东")
    expect(page.locator("[data-testid=contacts]")).to_contain_text("139****4321")
    expect(page.locator("[data-testid=customer-loans]")).to_contain_text("L-E2E-1")
    # 340.02 due 2026-02-28 is unpaid on 2026-03-05: 5 days past due
    expect(page.locator("[data-testid=customer-loans]")).to_contain_text("340.02")
    shot(page, "customer-360")
    page.click("[data-testid=loan-link]")
    expect(page.locator("[data-testid=overdue]")).to_contain_text("340.02")
    form = page.locator("[data-testid=repayment-form]")
    form.locator("input[name=amount]").fill("400.00")
    form.locator("select[name=channel]").select_option("counter")
    form.locator("input[name=external_id]").fill("CNT-20260305-1")
    page.click("[data-testid=post-repayment]")
    row = page.locator("[data-testid=repayments] tr.table-success")
    # interest 10.00 and principal 330.02 of instalment 1; the 59.98 left is paid ahead on instalment 2
    # (running until 03-31): its interest 6.70, then 53.28 of its principal
    allocation = row.locator("[data-testid=allocation]")
    for amount in ("10.00", "330.02", "6.70", "53.28"):
        expect(allocation).to_contain_text(amount)
    expect(page.locator("[data-testid=overdue]")).to_contain_text("0.00")
    expect(page.locator("[data-testid=outstanding-principal]")).to_contain_text("616.70")  # 669.98 − 53.28
    shot(page, "loan-after-repayment")
    # the same bank transaction again is reported, not booked twice
    form = page.locator("[data-testid=repayment-form]")
    form.locator("input[name=amount]").fill("400.00")
    form.locator("input[name=external_id]").fill("CNT-20260305-1")
    page.click("[data-testid=post-repayment]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("CNT-20260305-1")
    assert Loan.objects.get(loan_no="L-E2E-1").repayments.count() == 1


def test_waiver_maker_checker_on_screen(page, book):
    from postloan.platform.models import Role
    from postloan.servicing.models import ApprovalLimit

    ApprovalLimit.objects.create(
        role=Role.objects.get(code="collection_manager"), kind="waiver", max_amount=D("5.00")
    )
    login(page, "agent")
    page.goto(f"/servicing/loans/{Loan.objects.get().pk}/")
    page.click("[data-testid=waiver-toggle]")
    page.fill("form:has([data-testid=request-waiver]) input[name=interest]", "10.00")
    page.fill("form:has([data-testid=request-waiver]) input[name=reason]", "失业困难，申请减免利息")
    page.click("[data-testid=request-waiver]")
    expect(page.locator("[data-testid=flash]")).to_be_visible()
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")

    login(page, "manager")
    page.click("[data-menu='/servicing/adjustments/']")
    row = page.locator("[data-testid=queue] tr[data-adjustment]")
    expect(row).to_contain_text("失业困难")
    row.locator("[data-testid=approve]").click()
    expect(page.locator(".alert-danger")).to_contain_text("5.00")  # above the manager's limit
    shot(page, "waiver-over-limit")
    row = page.locator("[data-testid=queue] tr[data-adjustment]")
    row.locator("input[name=note]").fill("超出额度，请走上级审批")
    row.locator("[data-testid=reject]").click()
    expect(page.locator("[data-testid=flash]")).to_be_visible()
    assert Adjustment.objects.get().status == "rejected"
    expect(page).to_have_url(re.compile(r"/servicing/adjustments/"))
