"""What tests build and share: settings, admin accounts, signed-in clients and paid orders.

Import from here (`from tests.factories import sign_in`), never from a conftest: fixtures
live in the conftests, plain helpers and constants here.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from shop.clock import FixedClock
from shop.domain import LONDON
from shop.extensions import db

#: A Wednesday afternoon in November: chat online, before the dispatch cut-off.
DEFAULT_NOW = datetime(2026, 11, 25, 11, 45, tzinfo=LONDON)
TEST_SECRET_KEY = "test-secret"
#: The secret the test apps verify Stripe's webhooks with (localstripe signs with it too).
WEBHOOK_SECRET = "whsec_test_kefir_shop"
STRIPE_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_kefir_shop",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_kefir_shop",
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
}

ADMIN_EMAIL = "owner@kefirshop.example"
STAFF_EMAIL = "packer@kefirshop.example"
PASSWORD = "kefir-grains-and-oat-milk"


@contextmanager
def empty_schema(app: Flask) -> Iterator[Flask]:
    """The app with its database's tables dropped and created afresh; dropped again after."""
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@functools.cache
def password_hash() -> str:
    """PASSWORD's argon2 hash, computed once: hashing is slow on purpose."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


def create_account(app: Flask, email: str, role: str) -> str:
    """Open an admin account (`role` admin or staff) whose password is PASSWORD; its email."""
    from shop.admin.models import User

    with app.app_context():
        db.session.add(User(email=email, role=role, password_hash=password_hash(),
                            session_nonce=secrets.token_hex(16)))
        db.session.commit()
    return email


def api_token(app: Flask, email: str) -> str:
    """A new bearer token for the admin API, issued to the account with this email."""
    from shop.admin.accounts import create_api_token, user_by_email

    with app.app_context():
        token = create_api_token(user_by_email(email), "tests")
        db.session.commit()
    return token


def form_csrf_token(client: FlaskClient, path: str = "/admin/login") -> str:
    """The CSRF token of the form on `path`, as a browser would read it."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_form(client: FlaskClient, path: str, fields: dict[str, str], to: str = "") -> TestResponse:
    """Open the form on `path` and send `fields` with its CSRF token (to `to`, else `path`)."""
    return client.post(to or path, data={"csrf_token": form_csrf_token(client, path), **fields})


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Post the admin sign-in form; return the response."""
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": form_csrf_token(client)},
    )


def place_paid_order(app: Flask, clock: FixedClock, items: dict[str, int]) -> str:
    """Place an order, pay it with the sandbox's test card, wait for Stripe's webhook.

    Needs the `catalogue` and `stripe_webhooks` fixtures. Returns the order number.
    """
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


def create_discount(app: Flask, code: str, kind: str, value: int = 0, **terms) -> None:
    """Store a discount code (terms as the DiscountCode columns: max_uses, ends_at, …)."""
    from shop.discounts.models import DiscountCode

    with app.app_context():
        db.session.add(DiscountCode(code=code.upper(), kind=kind, value=value, **terms))
        db.session.commit()


# --- Customer accounts -------------------------------------------------------------------------

CUSTOMER_EMAIL = "ada@example.com"
CUSTOMER_PASSWORD = "grains-in-a-jar-42"


def sign_up_customer(client: FlaskClient, email: str = CUSTOMER_EMAIL,
                     password: str = CUSTOMER_PASSWORD, name: str = "Ada Lovelace"
                     ) -> TestResponse:
    """Open a customer account through the JSON API (which signs the client in)."""
    return client.post("/api/v1/account", json={"email": email, "password": password,
                                                 "name": name})


def emailed_link(app: Flask, to: str, path: str) -> str:
    """The path of the newest link under `path` in the outbox's emails to `to`."""
    from shop.models import OutboxEmail

    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxEmail.body).where(OutboxEmail.to == to).order_by(OutboxEmail.id.desc())
        ).all()
    for body in bodies:
        found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no email to {to} holds a {path} link")


#: Everything SHOP_ENV=production insists on (shop/production.py), with test values.
PRODUCTION_SETTINGS = {
    "SECRET_KEY": "p" * 32,
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    **STRIPE_KEYS,
    "SMTP_HOST": "127.0.0.1",
    "MAIL_FROM": "Kefir Shop <orders@kefirshop.example>",
    "TRUSTED_HOSTS": "shop.example",
}
