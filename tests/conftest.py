"""Shared fixtures: the app on SQLite and PostgreSQL, a fixed clock, a live server."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from shop import ROOT, create_app
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


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis that app servers share in tests (TEST_REDIS_URL, DB 3 by default)."""
    import redis

    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _require(f"Redis at {url} is unreachable: {exc}")
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
            "UPLOADS_DIR": str(tmp_path / "uploads"),
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


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Poll /healthz until the server answers 200, or fail with what it said."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=10)
    pytest.fail(f"the app server at {url} did not come up:\n{log.read_text()[-3000:]}")


class AppServers:
    """The shop under gunicorn (scripts/serve.sh, as `make run` serves it), on free ports."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, env: dict[str, str], workers: int = 1) -> str:
        """Start one more app server with these settings; its base URL once it answers."""
        port = free_port()
        environment = {
            **os.environ,
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "SECRET_KEY": "test-secret",
            "LOG_LEVEL": "WARNING",
            # Keys given, so serve.sh starts no Stripe sandbox of its own.
            "STRIPE_SECRET_KEY": "sk_test_kefir_shop",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_kefir_shop",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": LOCALSTRIPE,
            **env,
        }
        log = self.log_dir / f"server-{port}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh")], env=environment, cwd=ROOT,
                stdout=output, stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, log)
        return url

    def stop(self) -> None:
        """Stop every server started here."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start app servers with `serve(env, workers=1)`; they stop when the test ends."""
    servers = AppServers(tmp_path)
    yield servers.start
    servers.stop()


@dataclass(frozen=True)
class DemoShop:
    url: str
    #: Slugs to fill page paths with: {"product": ..., "post": ...} (post once one exists).
    slugs: dict[str, str]
    #: A Cookie header for a basket holding the demo product, for pages that need one.
    basket_cookie: str


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoShop]:
    """The demo shop (`seed-demo` into a fresh SQLite database) served as `make run` serves it."""
    from bench.targets import DEMO_PRODUCT
    from blog.queries import latest_teaser

    folder = tmp_path_factory.mktemp("demo-shop")
    url = f"sqlite:///{folder / 'shop.sqlite3'}"
    app = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": url})
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        post = latest_teaser()
        slugs = {"product": DEMO_PRODUCT, **({"post": post.slug} if post else {})}
        db.engine.dispose()
    servers = AppServers(folder)
    base = servers.start({"DATABASE_URL": url}, workers=2)
    add = urllib.request.Request(
        f"{base}/api/v1/basket/items", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"slug": DEMO_PRODUCT, "quantity": 2}).encode(),
    )
    with urllib.request.urlopen(add, timeout=10) as response:
        assert response.status == 201
        cookie = "; ".join(value.split(";", 1)[0]
                           for value in response.headers.get_all("Set-Cookie"))
    yield DemoShop(base, slugs, cookie)
    servers.stop()


# --- The admin: accounts, signed-in clients, API tokens and paid orders -----------------------

ADMIN_EMAIL = "owner@kefirshop.example"
STAFF_EMAIL = "packer@kefirshop.example"
PASSWORD = "kefir-grains-and-oat-milk"


@functools.cache
def _password_hash() -> str:
    """PASSWORD's argon2 hash, computed once: hashing is slow on purpose."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


def _account(app: Flask, email: str, role: str) -> str:
    import secrets

    from shop.admin.models import User

    with app.app_context():
        db.session.add(User(email=email, role=role, password_hash=_password_hash(),
                            session_nonce=secrets.token_hex(16)))
        db.session.commit()
    return email


@pytest.fixture
def admin_user(app: Flask) -> str:
    """An admin account's email (its password is PASSWORD)."""
    return _account(app, ADMIN_EMAIL, "admin")


@pytest.fixture
def staff_user(app: Flask) -> str:
    """A staff account's email (its password is PASSWORD)."""
    return _account(app, STAFF_EMAIL, "staff")


def form_csrf_token(client: FlaskClient, path: str = "/admin/login") -> str:
    """The CSRF token of the form on `path`, as a browser would read it."""
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    """Post the sign-in form; return the response."""
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": form_csrf_token(client)},
    )


@pytest.fixture
def admin_client(app: Flask, admin_user: str) -> FlaskClient:
    """A client signed in as the admin."""
    client = app.test_client()
    assert sign_in(client, admin_user).status_code == 303
    return client


@pytest.fixture
def staff_client(app: Flask, staff_user: str) -> FlaskClient:
    """A client signed in as staff."""
    client = app.test_client()
    assert sign_in(client, staff_user).status_code == 303
    return client


def _token(app: Flask, email: str) -> str:
    from shop.admin.accounts import create_api_token, user_by_email

    with app.app_context():
        token = create_api_token(user_by_email(email), "tests")
        db.session.commit()
    return token


@pytest.fixture
def admin_token(app: Flask, admin_user: str) -> str:
    """A bearer token of the admin."""
    return _token(app, admin_user)


@pytest.fixture
def staff_token(app: Flask, staff_user: str) -> str:
    """A bearer token of the staff account."""
    return _token(app, staff_user)


def place_paid_order(app: Flask, clock: FixedClock, items: dict[str, int]) -> str:
    """Place an order, pay it with the sandbox's test card, wait for Stripe's webhook.

    Needs the `catalogue` and `stripe_webhooks` fixtures. Returns the order number.
    """
    from datetime import date

    from sqlalchemy import select

    from shop.checkout.service import create_order, pay_with_test_card
    from shop.domain.customer import validate_customer
    from shop.models import Order, Product
    from shop.payments import gateway

    customer, errors = validate_customer(
        {"email": "ada@example.com", "name": "Ada Lovelace",
         "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
    )
    assert not errors
    with app.app_context():
        products = {p.slug: p for p in db.session.scalars(select(Product))}
        order = create_order(customer, [(products[s], q) for s, q in items.items()], 395,
                             date(2026, 11, 25), date(2026, 11, 26), clock.now(),
                             payments=gateway())
        number = order.number
        pay_with_test_card(order, "4242424242424242", gateway())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.scalar(select(Order.status).where(Order.number == number))
        if status == "paid":
            return number
        time.sleep(0.1)
    raise AssertionError(f"{number} was not paid after 15 s")
