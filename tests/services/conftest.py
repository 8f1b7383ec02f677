"""The service tier: orders, stock, Stripe's events, expiry and refunds in milliseconds.

One app for the whole tier on one SQLite database, emptied before each test; each test gets
its own fixed clock and its own FakePaymentGateway, passed in through the PAYMENTS setting.
No localstripe, no subprocesses, no polling: Stripe's webhooks are the fake's events, signed
and posted to /stripe/webhook by the test itself. Nothing here uses tests/conftest.py's
fixtures (the names below replace them in this folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from shop import create_app
from shop.checkout.service import pay_with_test_card
from shop.clock import FixedClock
from shop.domain import LONDON
from shop.extensions import db
from shop.models import Category, Order, OutboxEmail, Product
from shop.payments import FakePaymentGateway
from shop.payments import init_app as init_payments

#: A Wednesday before the 14:00 cut-off: dispatched today, delivered Thursday 26 November.
NOW = datetime(2026, 11, 25, 11, 45, tzinfo=LONDON)
PAYING_CARD = "4242424242424242"
DETAILS = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"},
}
#: slug: (name, price in pence, units in stock)
PRODUCTS = {
    "kefir-soap-bar": ("Kefir & Oat Soap Bar", 650, 40),
    "live-milk-kefir-grains": ("Live Milk Kefir Grains", 1200, 35),
    "kefir-recipe-book": ("The Kefir Recipe Book", 1499, 3),
}


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The tier's one app: building an app costs more than any test here."""
    folder = tmp_path_factory.mktemp("services")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'shop.sqlite3'}",
            "REDIS_URL": "",
            "RATELIMIT_ENABLED": False,  # its memory store starts a thread per request
            "CATALOGUE_CACHE_TTL": 0,
            "PAGE_CACHE_TTL": 0,
            "SERVER_NAME": None,
            "UPLOADS_DIR": str(folder / "uploads"),
            "CLOCK": FixedClock(NOW),
            "PAYMENTS": FakePaymentGateway(),
        }
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """This test's clock, fixed at NOW; tests move `clock.at`."""
    return FixedClock(NOW)


@pytest.fixture
def payments() -> FakePaymentGateway:
    """This test's Stripe, in memory."""
    return FakePaymentGateway()


@pytest.fixture
def app(
    shared_app: Flask, clock: FixedClock, payments: FakePaymentGateway, tmp_path: Path
) -> Flask:
    """The tier's app with empty tables, this test's clock and this test's gateway."""
    shared_app.config.update(CLOCK=clock, PAYMENTS=payments)
    init_payments(shared_app)  # the PAYMENTS hook, as create_app runs it
    shared_app.instance_path = str(tmp_path / "instance")  # this test's emails folder
    with shared_app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    return shared_app


@pytest.fixture
def products(app: Flask) -> None:
    """PRODUCTS on the shelf."""
    with app.app_context():
        category = Category(slug="kefir", name="Kefir")
        db.session.add_all(
            Product(slug=slug, name=name, category=category, price_pence=price, stock=stock)
            for slug, (name, price, stock) in PRODUCTS.items()
        )
        db.session.commit()


class Shop:
    """The shop as a customer and Stripe meet it: the API, the test card and the webhook."""

    def __init__(self, app: Flask, payments: FakePaymentGateway) -> None:
        self.app = app
        self.payments = payments
        self.customer: FlaskClient = app.test_client()
        self.stripe: FlaskClient = app.test_client()  # the webhook's caller has no cookies

    def add(self, slug: str, quantity: int = 1) -> None:
        """Put units in the customer's basket."""
        response = self.customer.post(
            "/api/v1/basket/items", json={"slug": slug, "quantity": quantity}
        )
        assert response.status_code == 201, response.get_json()

    def another_customer(self) -> Shop:
        """The same shop with a second customer, who has a basket of their own."""
        return Shop(self.app, self.payments)

    def checkout(self, **extra: object) -> TestResponse:
        """Check the basket out through the API with DETAILS (and any `extra` fields)."""
        return self.customer.post("/api/v1/checkout", json={**DETAILS, **extra})

    def place(self, items: dict[str, int]) -> str:
        """Add `items` (slug: quantity) and check out; the new order's number."""
        for slug, quantity in items.items():
            self.add(slug, quantity)
        response = self.checkout()
        assert response.status_code == 201, response.get_json()
        return response.get_json()["order"]["number"]

    def pay(self, number: str, card: str = PAYING_CARD) -> None:
        """Pay the order's intent with a test card (the order is paid only by the webhook)."""
        with self.app.app_context():
            order = db.session.scalar(select(Order).where(Order.number == number))
            pay_with_test_card(order, card, self.payments)

    def post_event(self, event: dict, secret: str | None = None) -> TestResponse:
        """Post one Stripe event to the webhook, signed with the shop's secret or `secret`."""
        payload, signature = self.payments.signed(event, secret)
        return self.stripe.post(
            "/stripe/webhook",
            data=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )

    def send_webhooks(self) -> list[str]:
        """Deliver every event Stripe has to send, oldest first; what the shop made of each."""
        outcomes = []
        while self.payments.events:
            response = self.post_event(self.payments.events.pop(0))
            assert response.status_code == 200, response.get_json()
            outcomes.append(response.get_json()["outcome"])
        return outcomes

    def order(self, number: str) -> Order:
        """The order as stored now (detached, with its lines)."""
        with self.app.app_context():
            order = db.session.scalar(select(Order).where(Order.number == number))
            order.lines  # noqa: B018  (loaded before the session closes)
            db.session.expunge(order)
            return order

    def stock(self, slug: str) -> int:
        with self.app.app_context():
            return db.session.scalar(select(Product.stock).where(Product.slug == slug))

    def emails(self) -> list[OutboxEmail]:
        """Every email queued so far, oldest first (detached)."""
        with self.app.app_context():
            emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
            db.session.expunge_all()
            return list(emails)


@pytest.fixture
def shop(app: Flask, payments: FakePaymentGateway, products: None) -> Shop:
    """A customer with an empty basket in front of a stocked shop."""
    return Shop(app, payments)
