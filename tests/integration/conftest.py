"""The integration tier: a fresh app on SQLite and on PostgreSQL, its client, CLI runner and
live server, Stripe through localstripe, and admin accounts.

The browser tier drives this same app: tests/browser/conftest.py imports these fixtures.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.serving import make_server

from shop import create_app
from shop.clock import FixedClock
from shop.extensions import db
from tests.factories import (
    ADMIN_EMAIL,
    DEFAULT_NOW,
    STAFF_EMAIL,
    STRIPE_KEYS,
    TEST_SECRET_KEY,
    WEBHOOK_SECRET,
    api_token,
    create_account,
    empty_schema,
    sign_in,
)

T = TypeVar("T")


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


@pytest.fixture
def app(
    database_url: str, clock: FixedClock, stripe_api_base: str, tmp_path: Path
) -> Iterator[Flask]:
    """A fresh app with an empty schema, its Stripe pointed at the session's localstripe."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET_KEY,
            "DATABASE_URL": database_url,
            "CLOCK": clock,
            "SERVER_NAME": None,
            **STRIPE_KEYS,
            "STRIPE_API_BASE": stripe_api_base,
            "STRIPE_SANDBOX": True,
            "UPLOADS_DIR": str(tmp_path / "uploads"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    with empty_schema(app):
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client of the app (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """The app's `flask` command line."""
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


@pytest.fixture
def stripe_webhooks(localstripe: str, live_server: str) -> str:
    """Empty localstripe and have it deliver signed webhooks to this test's live server."""
    urllib.request.urlopen(urllib.request.Request(localstripe + "/_config/data", method="DELETE"))
    form = f"url={live_server}/stripe/webhook&secret={WEBHOOK_SECRET}".encode()
    urllib.request.urlopen(localstripe + "/_config/webhooks/shop", data=form)
    return localstripe


@pytest.fixture
def admin_user(app: Flask) -> str:
    """An admin account's email (its password is PASSWORD)."""
    return create_account(app, ADMIN_EMAIL, "admin")


@pytest.fixture
def staff_user(app: Flask) -> str:
    """A staff account's email (its password is PASSWORD)."""
    return create_account(app, STAFF_EMAIL, "staff")


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def _for_account(user: str, make: Callable[[Flask, str], T], doc: str) -> Callable[..., T]:
    """A fixture of `make(app, email)` for the account that the fixture named `user` opens."""

    def fixture(app: Flask, request: pytest.FixtureRequest) -> T:
        return make(app, request.getfixturevalue(user))

    fixture.__doc__ = doc
    return pytest.fixture(fixture)


admin_client = _for_account("admin_user", _signed_in, "A client signed in as the admin.")
staff_client = _for_account("staff_user", _signed_in, "A client signed in as staff.")
admin_token = _for_account("admin_user", api_token, "A bearer token of the admin.")
staff_token = _for_account("staff_user", api_token, "A bearer token of the staff account.")
