"""End of day on screen: run it, see the run, the new business date, the top-bar status and a
loan's bucket history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from postloan.servicing import services
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


def test_run_end_of_day_and_read_the_loan_history(page, demo_live):
    from postloan.platform.models import User

    admin, agent = User.objects.get(username="admin"), User.objects.get(username="agent")
    demo_live.business_date = dt.date(2026, 3, 5)
    demo_live.save()
    product = services.save_product(
        actor=admin,
        institution=demo_live,
        code="p3",
        name="现金贷3期",
        config={"term": 3, "annual_rate": "0.12"},
    )
    customer = services.create_customer(actor=agent, institution=demo_live, customer_no="C-EOD", name="夏雨")
    loan = services.book_loan(
        actor=agent,
        customer=customer,
        product=product,
        loan_no="L-EOD",
        principal=D("1000"),
        disbursed_on=dt.date(2026, 1, 31),
    )
    login(page, "admin")
    page.click("[data-menu='/eod/runs/']")
    page.click("[data-testid=eod-start]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("2026-03-05")
    expect(page.locator("[data-testid=business-date]")).to_contain_text("2026-03-06")
    expect(page.locator("[data-testid=topbar-status]")).to_contain_text("2026-03-05")
    expect(page.locator("[data-testid=eod-runs] tbody tr")).to_have_count(1)
    shot(page, "eod-runs")
    page.goto(f"/servicing/loans/{loan.pk}/")
    # 340.02 due 02-28 unpaid on 03-05: 5 days past due, M1, 关注 (special mention)
    expect(page.locator("[data-testid=eod-bucket]")).to_have_text("M1")
    expect(page.locator("[data-testid=eod-class]")).to_contain_text("关注")
    shot(page, "loan-eod-panel")
