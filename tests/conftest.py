"""Shared fixtures: the app on SQLite and PostgreSQL, a fixed clock, a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from shop import create_app
from shop.clock import FixedClock
from shop.domain import LONDON
from shop.extensions import db

IN_CI = os.environ.get("CI") == "true"
#: A Wednesday afternoon in November: chat online, before the dispatch cut-off.
DEFAULT_NOW = datetime(2026, 11, 25, 11, 45, tzinfo=LONDON)


def _require(reason: str) -> None:
    """Skip locally, but fail under CI, where every test must really run."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database, reachable and emptied once per session."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        _require("TEST_DATABASE_URL does not name a PostgreSQL database")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # noqa: BLE001  (any failure to connect means: no PostgreSQL)
        _require(f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> FixedClock:
    """The app's clock, fixed at DEFAULT_NOW; tests move `clock.at`."""
    return FixedClock(DEFAULT_NOW)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The test session's localstripe, started only by tests that ask for `localstripe`.
LOCALSTRIPE = f"http://127.0.0.1:{_free_port()}"
WEBHOOK_SECRET = "whsec_test_kefir_shop"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """A real local Stripe API server (the `localstripe` package) for the whole session."""
    port = LOCALSTRIPE.rsplit(":", 1)[1]
    binary = Path(sys.executable).with_name("localstripe")
    process = subprocess.Popen(
        [str(binary), "--port", port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(LOCALSTRIPE + "/v1/charges", timeout=1)
        except urllib.error.HTTPError:
            break  # it answers (401 without a key): it is up
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("localstripe did not start")
    yield LOCALSTRIPE
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_webhooks(localstripe: str, live_server: str) -> str:
    """Empty localstripe and have it deliver signed webhooks to this test's live server."""
    urllib.request.urlopen(urllib.request.Request(localstripe + "/_config/data", method="DELETE"))
    form = f"url={live_server}/stripe/webhook&secret={WEBHOOK_SECRET}".encode()
    urllib.request.urlopen(localstripe + "/_config/webhooks/shop", data=form)
    return localstripe


@pytest.fixture
def app(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app with an empty schema, its Stripe pointed at the test localstripe."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "CLOCK": clock,
            "SERVER_NAME": None,
            "STRIPE_SECRET_KEY": "sk_test_kefir_shop",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_kefir_shop",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": LOCALSTRIPE,
            "STRIPE_SANDBOX": True,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def catalogue(app: Flask) -> None:
    """The demo catalogue, loaded from the repo's data file."""
    from shop.catalogue.seed import seed_catalogue

    with app.app_context():
        seed_catalogue(db.session)
        db.session.commit()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    if not Path(CHROMIUM).exists():
        _require(f"{CHROMIUM} is missing (apt-get install -y chromium)")
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
