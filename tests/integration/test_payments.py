"""Orders are paid only by signed Stripe webhooks, sent by a real local Stripe (localstripe)."""

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
from shop.checkout.service import CardDeclined, create_order, pay_with_test_card
from shop.domain.customer import validate_customer
from shop.extensions import db
from shop.models import BasketLine, Order, OutboxEmail, Product, StripeEvent
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
        pay_with_test_card(order, card)


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
    # The webhook commits the payment, then writes the email: wait for the file too.
    deadline = time.monotonic() + 10
    while not (emails := list((Path(app.instance_path) / "emails").glob("*.eml"))):
        assert time.monotonic() < deadline, "no confirmation email was written"
        time.sleep(0.05)
    assert len(emails) == 1
    message = email.message_from_bytes(emails[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ada@example.com" and number in message["Subject"]
    assert "Total   £28.95" in message.get_content()


def test_a_declined_card_fails_the_payment_and_releases_the_stock(app, clock):
    number = place(app, clock, {"kefir-recipe-book": 3})
    assert stock(app, "kefir-recipe-book") == 0
    with pytest.raises(CardDeclined):
        pay(app, number, "4000000000000341")
    wait_for_status(app, number, "payment_failed")
    assert stock(app, "kefir-recipe-book") == 3
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


def test_a_failure_arriving_after_success_changes_nothing(app, clock, client: FlaskClient):
    number = place(app, clock, {"kefir-soap-bar": 1})
    pay(app, number, "4242424242424242")
    order = wait_for_status(app, number, "paid")
    late = {
        "id": "evt_late_failure",
        "type": "payment_intent.payment_failed",
        "data": {
            "object": {
                "id": order.payment_intent_id,
                "amount": order.total_pence,
                "currency": "gbp",
            }
        },
    }
    payload, headers = signed(late)
    response = client.post("/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 200 and response.get_json()["outcome"] == "no-change"
    assert order_state(app, number).status == "paid"
    assert stock(app, "kefir-soap-bar") == 39


def test_a_tampered_signature_is_refused_and_changes_nothing(app, clock, client: FlaskClient):
    number = place(app, clock, {"kefir-soap-bar": 1})
    order = order_state(app, number)
    event = {
        "id": "evt_forged",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": order.payment_intent_id,
                "amount": order.total_pence,
                "currency": "gbp",
            }
        },
    }
    payload, headers = signed(event, secret="whsec_not_ours")
    response = client.post("/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    payload, headers = signed(event)
    response = client.post("/stripe/webhook", data=payload.replace(b"gbp", b"usd"), headers=headers)
    assert response.status_code == 400
    assert client.post("/stripe/webhook", data=payload).status_code == 400  # no header at all
    assert order_state(app, number).status == "pending_payment"
    with app.app_context():
        assert db.session.scalar(select(StripeEvent)) is None


def test_an_amount_that_disagrees_with_the_order_is_refused_and_logged(
    app, clock, client: FlaskClient, caplog
):
    number = place(app, clock, {"kefir-soap-bar": 1})
    order = order_state(app, number)
    for amount, currency in [(order.total_pence - 1, "gbp"), (order.total_pence, "usd")]:
        event = {
            "id": f"evt_wrong_{amount}_{currency}",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {"id": order.payment_intent_id, "amount": amount, "currency": currency}
            },
        }
        payload, headers = signed(event)
        response = client.post("/stripe/webhook", data=payload, headers=headers)
        assert response.status_code == 400
    assert order_state(app, number).status == "pending_payment"
    assert "refused payment_intent.succeeded" in caplog.text


def test_unpaid_orders_expire_after_thirty_minutes_and_release_their_stock(app, clock):
    from datetime import timedelta

    number = place(app, clock, {"kefir-recipe-book": 2})
    assert stock(app, "kefir-recipe-book") == 1
    with app.app_context():
        assert expire_unpaid(clock.now() + timedelta(minutes=29, seconds=59)) == []
        assert [o.number for o in expire_unpaid(clock.now() + timedelta(minutes=30))] == [number]
    assert order_state(app, number).status == "expired"
    assert stock(app, "kefir-recipe-book") == 3


def test_a_paid_order_empties_the_basket_it_came_from(app, clock):
    from datetime import date

    from shop.models import Basket

    customer, _ = validate_customer(CUSTOMER)
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        basket = Basket(token="t" * 32, lines=[BasketLine(product=product, quantity=1)])
        db.session.add(basket)
        db.session.commit()
        order = create_order(
            customer,
            [(product, 1)],
            395,
            date(2026, 11, 25),
            date(2026, 11, 26),
            clock.now(),
            basket_id=basket.id,
        )
        number = order.number
    pay(app, number, "4242424242424242")
    wait_for_status(app, number, "paid")
    with app.app_context():
        assert db.session.scalar(select(BasketLine)) is None
