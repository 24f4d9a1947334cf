"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Without /usr/bin/chromium they skip with a visible reason; with POSTLOAN_REQUIRE_BROWSER=1 (set by
.ci/run) a missing browser is a failure instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from postloan.cli import DEMO_PASSWORD_SUFFIX

CHROMIUM = os.environ.get("POSTLOAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
# Flags for a closed network: no background connections, no sandbox as root, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _browser_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    if _browser_available():
        return
    reason = f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("POSTLOAN_REQUIRE_BROWSER") == "1":
        return  # the `browser` fixture fails loudly instead
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not _browser_available():
        pytest.fail(f"POSTLOAN_REQUIRE_BROWSER=1 but no chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A 4xx page is sometimes the expected answer (lock-out, invalid form); a failing script, style,
    # font or image never is.
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None,
    )
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def demo_live(transactional_db, settings):  # type: ignore[no-untyped-def]
    from postloan.platform.demo import create_demo_institution

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    institution, _ = create_demo_institution(password_suffix=DEMO_PASSWORD_SUFFIX)
    return institution


def login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", username + DEMO_PASSWORD_SUFFIX)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=main-menu]")


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
