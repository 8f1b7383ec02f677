"""The browser tier: Debian's Chromium through Playwright, against the integration tier's app.

The app, its live server, the demo catalogue, localstripe's webhooks and the accounts are the
integration tier's fixtures, imported so both tiers build them one way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.conftest import (  # noqa: F401  (fixtures, found by name)
    admin_user,
    app,
    catalogue,
    clock,
    database_url,
    live_server,
    staff_user,
    stripe_webhooks,
)
from tests.machine import require

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    if not Path(CHROMIUM).exists():
        require(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (cookies, storage) and page, phone-sized."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
