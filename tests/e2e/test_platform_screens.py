"""What a user sees: sign-in, lock-out, language and theme, role menus, masked vs revealed PII."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from postloan.platform.models import AuditEntry
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


def _menu(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=main-menu] a.nav-link").evaluate_all(
        "els => els.map(e => e.dataset.menu)"
    )


def test_login_lands_on_home_in_chinese(page, demo_live):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/"))
    expect(page.locator("h2")).to_have_text("登录您的账户")
    shot(page, "login")
    login(page, "admin")
    expect(page.locator("[data-testid=business-date]")).to_contain_text("2026-12-04")
    expect(page.locator(".page-title")).to_contain_text("欢迎")
    shot(page, "home-admin")


def test_failed_logins_lock_the_account(page, demo_live):
    page.goto("/login/")
    for attempt in range(5):
        page.fill("#id_username", "agent")
        page.fill("#id_password", f"wrong-{attempt}")
        page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=login-error]")).to_contain_text("锁定")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "agent-Demo-2026")
    page.click("[data-testid=login-submit]")
    expect(page.locator("[data-testid=login-error]")).to_contain_text("锁定")
    shot(page, "lockout")
    assert AuditEntry.objects.filter(action="login_failed").count() >= 5
    assert not AuditEntry.objects.filter(action="login", actor_username="agent").exists()


def test_language_switch_and_back(page, demo_live):
    login(page, "collector")
    expect(page.locator("[data-testid=business-date]")).to_contain_text("营业日期")
    page.click("[data-testid=lang-en]")
    expect(page.locator("[data-testid=business-date]")).to_contain_text("Business date")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()  # stored as the user's preference, not only for one page
    expect(page.locator("[data-testid=business-date]")).to_contain_text("Business date")
    shot(page, "home-collector-en")
    page.click("[data-testid=lang-zh-hans]")
    expect(page.locator("[data-testid=business-date]")).to_contain_text("营业日期")


def test_theme_switch_persists(page, demo_live):
    login(page, "analyst")
    expect(page.locator("body")).to_have_attribute("data-bs-theme", "light")
    page.click("[data-testid=theme-toggle]")
    expect(page.locator("body")).to_have_attribute("data-bs-theme", "dark")
    page.goto("/profile/")
    expect(page.locator("body")).to_have_attribute("data-bs-theme", "dark")
    shot(page, "profile-dark")


def test_menu_depends_on_role(page, demo_live):
    menus = {}
    for username in ("admin", "auditor", "collector", "agency"):
        login(page, username)
        menus[username] = _menu(page)
        shot(page, f"menu-{username}")
        page.click("[data-testid=user-menu]")
        page.click("[data-testid=logout]")
        expect(page).to_have_url(re.compile(r"/login/"))
    assert "/admin/users/" in menus["admin"] and "/audit/" not in menus["admin"]
    assert "/audit/" in menus["auditor"] and "/admin/users/" not in menus["auditor"]
    assert menus["collector"] == ["/", "/servicing/customers/"]
    assert menus["agency"] == ["/"]


def test_pii_masked_then_revealed_with_audit_row(page, demo_live):
    login(page, "admin")
    page.click("[data-menu='/admin/users/']")
    cell = page.locator("tr[data-username=collector] [data-testid^=pii-user-phone]")
    expect(cell).to_contain_text("138****0003")
    expect(page.locator("body")).not_to_contain_text("13800130003")
    shot(page, "users-masked")
    cell.locator("button").click()
    expect(cell.locator("[data-testid=revealed]")).to_have_text("13800130003")
    shot(page, "users-revealed")
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor_username == "admin" and entry.after == {"field": "phone"}

    # The auditor finds that reveal on the audit screen.
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    login(page, "auditor")
    page.click("[data-menu='/audit/']")
    page.select_option("select[name=action]", "reveal")
    page.click("[data-testid=audit-filter] button[type=submit]")
    rows = page.locator("[data-testid=audit-table] tbody tr[data-action=reveal]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("admin")
    page.click("[data-testid=verify-chain]")
    expect(page.locator("[data-testid=chain-result]")).to_contain_text("完整")
    shot(page, "audit-reveal")


def test_setting_change_with_bad_then_good_value(page, demo_live):
    login(page, "admin")
    page.click("[data-menu='/admin/settings/']")
    field = page.locator("[data-testid='setting-mask.phone.head']")
    field.fill("abc")
    field.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("[data-testid=setting-error]")).to_contain_text("整数")
    shot(page, "settings-error")
    field = page.locator("[data-testid='setting-mask.phone.head']")
    field.fill("0")
    field.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash]")).to_be_visible()
    page.click("[data-menu='/admin/users/']")
    expect(page.locator("tr[data-username=collector] [data-testid^=pii-user-phone]")).to_contain_text(
        "*******0003"
    )
