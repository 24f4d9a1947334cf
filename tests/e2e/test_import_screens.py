"""Data import on screen: upload a file with broken rows, read the quality report and the reasons;
the home page shows the portfolio the generator produced, with its chart."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser

HEADER = (
    "customer_no,name,id_type,id_number,birth_date,gender,mobile,region,segment,employer,occupation,"
    "monthly_income,assets,liabilities,monthly_obligations,org_unit_code"
)
ROWS = [
    "C100001,王小明,resident_id,11010519900307283X,1990-03-07,M,13912345678,北京,大众客群,,,12000.00,,,,COLL-A",
    # bad check digit, missing name, bad mobile:
    "C100002,李小红,resident_id,110105199003072831,1990-03-07,F,13912345679,北京,,,,,,,,COLL-A",
    "C100003,,resident_id,,1990-03-07,F,,北京,,,,,,,,COLL-A",
    "C100004,赵小刚,resident_id,,1990-03-07,M,1391234,上海,,,,,,,,COLL-B",
]


def test_upload_shows_quality_report_and_reasons(page, demo_live, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    login(page, "admin")
    page.click("[data-menu='/servicing/imports/']")
    page.set_input_files("[data-testid=import-form] input[type=file]", str(path))
    page.click("[data-testid=import-submit]")
    expect(page.locator("[data-testid=inserted]")).to_have_text("1")
    expect(page.locator("[data-testid=rejected]")).to_have_text("3")
    rejects = page.locator("[data-testid=rejects]")
    expect(rejects).to_contain_text("校验位不符")
    expect(rejects).to_contain_text("必填")
    expect(rejects).to_contain_text("11 位大陆手机号")
    shot(page, "import-batch")
    page.click("[data-menu='/servicing/imports/']")
    page.set_input_files("[data-testid=import-form] input[type=file]", str(path))
    page.click("[data-testid=import-submit]")
    expect(page.locator("[data-testid=unchanged]")).to_be_visible()


def test_home_shows_generated_portfolio_with_chart(page, demo_live):
    from postloan.servicing.portfolio import generate_into

    generate_into(demo_live, loans=200, months=12, seed=4, as_of=dt.date(2026, 12, 4))
    login(page, "manager")
    panel = page.locator("[data-testid=portfolio-panel]")
    expect(panel).to_be_visible()
    active = int(panel.locator("[data-testid=active-loans]").inner_text())
    assert 0 < active <= 200
    expect(panel.locator(".chart svg")).to_have_count(1)
    shot(page, "home-portfolio")
