"""The browser tier: pages in Debian's Chromium (the session's `browser`, tests/conftest.py),
driven by Playwright against the integration tier's app.

The app, its live server, the demo catalogue, localstripe's webhooks and the accounts are the
integration tier's fixtures, imported so both tiers build them one way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (cookies, storage) and page, phone-sized."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
