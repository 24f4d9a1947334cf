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


def _late_loan(institution, loan_no: str, name: str, org_unit=None):  # type: ignore[no-untyped-def]
    """A 1,000.00 three-month loan disbursed 2026-01-31; its first instalment (340.02, due 02-28)
    is unpaid, and the business date is 2026-03-05."""
    from postloan.platform.models import User

    admin, agent = User.objects.get(username="admin"), User.objects.get(username="agent")
    institution.business_date = dt.date(2026, 3, 5)
    institution.save()
    product = services.save_product(
        actor=admin,
        institution=institution,
        code="p3",
        name="现金贷3期",
        config={"term": 3, "annual_rate": "0.12"},
    )
    customer = services.create_customer(
        actor=agent, institution=institution, customer_no=f"C-{loan_no}", name=name, org_unit=org_unit
    )
    return services.book_loan(
        actor=agent,
        customer=customer,
        product=product,
        loan_no=loan_no,
        principal=D("1000"),
        disbursed_on=dt.date(2026, 1, 31),
    )


def test_run_end_of_day_and_read_the_loan_history(page, demo_live):
    loan = _late_loan(demo_live, "L-EOD", "夏雨")
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


def test_manual_classification_requested_approved_and_applied(page, demo_live):
    """An analyst asks for 次级 on a loan the rules call 关注; a manager approves it in the queue; the
    next end of day classifies the loan 次级 with a "manual" badge."""
    from postloan.eod import runner
    from postloan.platform.models import User

    # in the collection unit: within the approving manager's scope
    loan = _late_loan(demo_live, "L-OV", "秋实", org_unit=User.objects.get(username="manager").org_unit)
    runner.run_date(demo_live, dt.date(2026, 3, 5))  # 5 days past due: M1, 关注
    login(page, "analyst")
    page.goto(f"/servicing/loans/{loan.pk}/")
    expect(page.locator("[data-testid=eod-class]")).to_contain_text("关注")
    page.click("[data-testid=override-toggle]")
    page.select_option("#ov-class", "substandard")
    page.fill("#ov-reason", "借款人失联，担保人已破产")
    page.click("[data-testid=override-submit]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("批准后生效")
    expect(page.locator("[data-testid=eod-overrides] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=eod-overrides]")).to_contain_text("待审批")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")

    login(page, "manager")
    page.click("[data-menu='/eod/overrides/']")
    queue = page.locator("[data-testid=override-queue]")
    expect(queue).to_contain_text("L-OV")
    expect(queue).to_contain_text("借款人失联")
    shot(page, "override-queue")
    page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("审批结果已记录")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")

    demo_live.refresh_from_db()
    runner.run_date(demo_live, dt.date(2026, 3, 6))
    login(page, "analyst")
    page.goto(f"/servicing/loans/{loan.pk}/")
    expect(page.locator("[data-testid=eod-class]")).to_contain_text("次级")
    expect(page.locator("[data-testid=eod-class]")).to_contain_text("人工")
    expect(page.locator("[data-testid=eod-overrides]")).to_contain_text("已批准")
    # penalty of 03-05 and 03-06 on the 330.02 principal due 02-28: 330.02 × 12% × 1.5 / 365 = 0.16 a day
    expect(page.locator("tr:has-text('2026-02-28')").first).to_contain_text("0.32")
    shot(page, "loan-override-applied")
