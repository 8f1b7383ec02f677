"""What several tiers share: this machine's PostgreSQL, Redis, a local Stripe and Chromium.

Each is found or started only when a test first asks for it, once per session: Playwright is
imported and a port picked then, never when this file is read. Each tier's own fixtures live
in its conftest (tests/<tier>/conftest.py); helpers and constants in tests/factories.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import machine

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database (TEST_DATABASE_URL), reachable and emptied once per
    session."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        machine.require("TEST_DATABASE_URL does not name a PostgreSQL database")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # noqa: BLE001  (any failure to connect means: no PostgreSQL)
        machine.require(f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis that app servers share in tests (TEST_REDIS_URL, DB 3 by default)."""
    import redis

    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        machine.require(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture(scope="session")
def stripe_api_base() -> str:
    """Where the session's localstripe answers once a test starts it (`localstripe`)."""
    return f"http://127.0.0.1:{machine.free_port()}"


@pytest.fixture(scope="session")
def localstripe(stripe_api_base: str) -> Iterator[str]:
    """A real local Stripe API server (the `localstripe` package) for the whole session."""
    with machine.localstripe(stripe_api_base) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the browser tests and the audits alike (Playwright's
    sync API runs one at a time in a thread); Playwright never downloads a browser here."""
    if not machine.CHROMIUM.exists():
        machine.require(f"{machine.CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=machine.CHROMIUM,
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
