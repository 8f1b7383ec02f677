"""Orders are paid only by signed Stripe webhooks, sent by a real local Stripe (localstripe).

End to end through the Stripe SDK; the webhook's rules one by one (signatures, amounts, late
and out-of-order events, expiry, refunds) are tested against the fake in tests/services/.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.checkout.orders import expire_unpaid
from shop.checkout.service import create_order, pay_with_test_card
from shop.domain.customer import validate_customer
from shop.extensions import db
from shop.models import Order, OutboxEmail, Product, StripeEvent
from shop.payments import CardDeclined, PaymentError, gateway
from tests.factories import WEBHOOK_SECRET

pytestmark = pytest.mark.usefixtures("catalogue", "stripe_webhooks")

CUSTOMER = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"},
}


def place(app: Flask, clock, items: dict[str, int]) -> str:
    """Place an order for `items` (slug -> quantity) and return its number."""
    from datetime import date

    customer, errors = validate_customer(CUSTOMER)
    assert not errors
    with app.app_context():
        products = {p.slug: p for p in db.session.scalars(select(Product))}
        order = create_order(
            customer,
            [(products[slug], quantity) for slug, quantity in items.items()],
            delivery_pence=395,
            dispatch_date=date(2026, 11, 25),
            delivery_date=date(2026, 11, 26),
            now=clock.now(),
            payments=gateway(),
        )
        return order.number


def order_state(app: Flask, number: str) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        db.session.expunge(order)
        return order


def stock(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.slug == slug))


def wait_for_status(app: Flask, number: str, status: str, seconds: float = 15) -> Order:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        order = order_state(app, number)
        if order.status == status:
            return order
        time.sleep(0.1)
    raise AssertionError(f"{number} is {order.status}, not {status}, after {seconds}s")


def pay(app: Flask, number: str, card: str) -> None:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        pay_with_test_card(order, card, gateway())


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict]:
    """Sign an event as Stripe does: HMAC-SHA256 of 'timestamp.payload'."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256)
    header = f"t={timestamp},v1={signature.hexdigest()}"
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}


def stripe_client(app: Flask) -> stripe.StripeClient:
    return stripe.StripeClient(
        app.config["STRIPE_SECRET_KEY"], base_addresses={"api": app.config["STRIPE_API_BASE"]}
    )


def stripe_events(app: Flask, event_type: str) -> list[dict]:
    client = stripe_client(app)
    return [e.to_dict() for e in client.v1.events.list(params={"type": event_type}).data]


def test_placing_an_order_reserves_stock_and_opens_a_gbp_payment_intent(app, clock):
    number = place(app, clock, {"live-milk-kefir-grains": 2})
    order = order_state(app, number)
    assert order.number == number and number.startswith("KS-")
    assert order.status == "pending_payment"
    assert order.total_pence == 2 * 1200 + 395
    assert order.payment_intent_id.startswith("pi_")
    assert stock(app, "live-milk-kefir-grains") == 33
    intent = stripe_client(app).v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.amount, intent.currency) == (order.total_pence, "gbp")
    assert intent.metadata["order_number"] == number


def test_a_paid_card_makes_the_order_paid_through_the_webhook_and_writes_the_email(app, clock):
    number = place(app, clock, {"live-milk-kefir-grains": 1, "kefir-soap-bar": 2})
    assert order_state(app, number).status == "pending_payment"
    pay(app, number, "4242424242424242")
    order = wait_for_status(app, number, "paid")
    assert order.paid_at == clock.now()
    assert stock(app, "live-milk-kefir-grains") == 34 and stock(app, "kefir-soap-bar") == 38
    # The webhook queues the email with the payment; the background job writes it.
    assert app.test_cli_runner().invoke(args=["send-emails"]).output == "Sent 1 emails.\n"
    emails = list((Path(app.instance_path) / "emails").glob("*.eml"))
    assert len(emails) == 1
    message = email.message_from_bytes(emails[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ada@example.com" and number in message["Subject"]
    assert "Total   £28.95" in message.get_body(("plain",)).get_content()


def test_a_declined_card_keeps_the_hold_and_says_why(app, clock):
    number = place(app, clock, {"kefir-recipe-book": 3})
    assert stock(app, "kefir-recipe-book") == 0
    with pytest.raises(CardDeclined):
        pay(app, number, "4000000000000341")
    deadline = time.monotonic() + 15
    while order_state(app, number).payment_attempts == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    order = order_state(app, number)
    assert (order.status, order.payment_attempts) == ("pending_payment", 1)
    assert order.payment_error == "Your card was declined."
    assert stock(app, "kefir-recipe-book") == 0
    # localstripe, unlike Stripe, cannot confirm an intent again after a decline: it says so.
    with pytest.raises(PaymentError, match="cannot take a second card after a decline"):
        pay(app, number, "4242424242424242")
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail)) is None


def test_a_replayed_event_changes_nothing(app, clock, client: FlaskClient):
    number = place(app, clock, {"kefir-soap-bar": 1})
    pay(app, number, "4242424242424242")
    wait_for_status(app, number, "paid")
    [event] = stripe_events(app, "payment_intent.succeeded")
    for _ in range(2):
        payload, headers = signed(event)
        response = client.post("/stripe/webhook", data=payload, headers=headers)
        assert response.status_code == 200
        assert response.get_json()["outcome"] == "duplicate"
    with app.app_context():
        assert len(db.session.scalars(select(OutboxEmail)).all()) == 1
        assert len(db.session.scalars(select(StripeEvent)).all()) == 1
    assert stock(app, "kefir-soap-bar") == 39


def test_unpaid_orders_expire_after_thirty_minutes_and_release_their_stock(app, clock):
    from datetime import timedelta

    number = place(app, clock, {"kefir-recipe-book": 2})
    assert stock(app, "kefir-recipe-book") == 1
    with app.app_context():
        assert expire_unpaid(clock.now() + timedelta(minutes=29, seconds=59)) == []
    clock.at += timedelta(minutes=30)
    assert app.test_cli_runner().invoke(args=["release-expired"]).output == (
        "Expired 1 unpaid orders.\n"
    )
    assert order_state(app, number).status == "expired"
    assert stock(app, "kefir-recipe-book") == 3
    # The job cancelled the intent in Stripe: it can never be charged.
    intent_id = order_state(app, number).payment_intent_id
    assert stripe_client(app).v1.payment_intents.retrieve(intent_id).status == "canceled"
