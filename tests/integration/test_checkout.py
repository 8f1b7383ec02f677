"""Checkout: an order at server-computed prices, stock reserved, bad input changes nothing."""

from __future__ import annotations

import re
import threading

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from shop.extensions import db
from shop.models import Order, Product

pytestmark = pytest.mark.usefixtures("catalogue", "stripe_webhooks")

DETAILS = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "phone": "01225 000000",
    "address": {
        "line1": "1 Kefir Lane",
        "line2": "Widcombe",
        "city": "Bath",
        "postcode": "ba2 4aa",
    },
}


def add(client: FlaskClient, slug: str, quantity: int) -> None:
    response = client.post("/api/v1/basket/items", json={"slug": slug, "quantity": quantity})
    assert response.status_code == 201, response.get_json()


def orders(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


def stock(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.slug == slug))


def test_checkout_places_a_pending_order_at_server_prices_and_opens_a_payment(app, client):
    add(client, "kefir-soap-bar", 2)
    response = client.post("/api/v1/checkout", json={**DETAILS, "total_pence": 1})
    assert response.status_code == 201
    body = response.get_json()
    order = body["order"]
    assert order["status"] == "pending_payment" and order["number"] == "KS-000001"
    assert (order["subtotal_pence"], order["delivery_pence"], order["total_pence"]) == (
        1300,
        395,
        1695,
    )
    assert order["delivery_date"] == "2026-11-26"  # Wednesday 11:45 -> dispatched today
    assert body["payment"]["provider"] == "stripe"
    assert body["payment"]["publishable_key"] == "pk_test_kefir_shop"
    assert body["payment"]["client_secret"].startswith(body["payment"]["payment_intent_id"])
    assert stock(app, "kefir-soap-bar") == 38
    intent = stripe.StripeClient(
        "sk_test_kefir_shop", base_addresses={"api": app.config["STRIPE_API_BASE"]}
    ).v1.payment_intents.retrieve(body["payment"]["payment_intent_id"])
    assert intent.amount == 1695 and intent.currency == "gbp"
    status = client.get(body["status_url"].removeprefix("http://localhost"))
    assert status.status_code == 200
    assert client.get(response.headers["Location"]).get_json()["status"] == "pending_payment"


def test_delivery_is_free_on_an_order_over_25_pounds(client):
    add(client, "water-kefir-mixed-case-12", 1)
    order = client.post("/api/v1/checkout", json=DETAILS).get_json()["order"]
    assert (order["subtotal_pence"], order["delivery_pence"], order["total_pence"]) == (
        2950,
        0,
        2950,
    )


def test_an_order_after_the_friday_cut_off_is_delivered_on_tuesday(client, clock):
    from datetime import datetime

    from shop.domain import LONDON

    clock.at = datetime(2026, 11, 27, 14, 0, tzinfo=LONDON)
    add(client, "kefir-soap-bar", 1)
    assert client.post("/api/v1/checkout", json=DETAILS).get_json()["order"]["delivery_date"] == (
        "2026-12-01"
    )


def test_a_second_checkout_of_the_same_basket_replaces_the_first_order(app, client):
    add(client, "kefir-recipe-book", 2)
    first = client.post("/api/v1/checkout", json=DETAILS).get_json()["order"]["number"]
    second = client.post("/api/v1/checkout", json=DETAILS).get_json()["order"]["number"]
    assert first != second
    assert stock(app, "kefir-recipe-book") == 1
    with app.app_context():
        statuses = dict(db.session.execute(select(Order.number, Order.status)).all())
    assert statuses == {first: "expired", second: "pending_payment"}


def test_a_product_sold_out_since_it_was_put_in_the_basket_is_a_409(app, client):
    add(client, "kefir-recipe-book", 2)
    with app.app_context():
        db.session.execute(
            update(Product).where(Product.slug == "kefir-recipe-book").values(stock=1)
        )
        db.session.commit()
    response = client.post("/api/v1/checkout", json=DETAILS)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert orders(app) == 0 and stock(app, "kefir-recipe-book") == 1


def test_an_empty_basket_cannot_check_out(app, client):
    response = client.post("/api/v1/checkout", json=DETAILS)
    assert response.status_code == 409 and "empty" in response.get_json()["detail"]
    assert orders(app) == 0


def _with(**changes) -> dict:
    body = {**DETAILS, "address": {**DETAILS["address"]}}
    for key, value in changes.items():
        target = body["address"] if key in {"line1", "line2", "city", "postcode"} else body
        if value is None:
            target.pop(key)
        else:
            target[key] = value
    return body


@pytest.mark.parametrize(
    "body",
    [
        _with(email="not-an-email"),
        _with(postcode="90210"),
        _with(postcode="75008 Paris"),
        _with(name=None),
        _with(email=None),
        _with(line1=None),
        _with(city=""),
        _with(name="x" * 10_000),
        _with(line1="y" * 10_000),
        _with(name="<script>alert(1)</script>"),
        _with(name=["Ada"]),
        {"email": "ada@example.com", "name": "Ada", "address": "1 Kefir Lane, Bath"},
    ],
)
def test_invalid_details_are_a_422_and_create_no_order_nor_reserve_stock(app, client, body):
    add(client, "kefir-soap-bar", 1)
    response = client.post("/api/v1/checkout", json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert orders(app) == 0 and stock(app, "kefir-soap-bar") == 40


def test_malformed_json_and_the_wrong_content_type_are_refused(app, client):
    add(client, "kefir-soap-bar", 1)
    assert (
        client.post("/api/v1/checkout", data="{", content_type="application/json").status_code
        == 400
    )
    assert client.post("/api/v1/checkout", data={"email": "a@b.co"}).status_code == 415
    assert client.post("/api/v1/checkout", json=[DETAILS]).status_code == 422
    assert orders(app) == 0 and stock(app, "kefir-soap-bar") == 40


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


FORM = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "phone": "",
    "line1": "1 Kefir Lane",
    "line2": "",
    "city": "Bath",
    "postcode": "BA2 4AA",
}


def test_the_checkout_page_shows_the_form_the_summary_and_the_estimate(client):
    add(client, "kefir-soap-bar", 2)
    html = client.get("/checkout").get_data(as_text=True)
    assert 'name="postcode"' in html and 'autocomplete="postal-code"' in html
    assert "£16.95" in html and "£3.95" in html
    assert "Add <strong>£12.01</strong> more for <strong>FREE next-day delivery</strong>" in html
    assert "Order within 2 h 15 min for delivery on Thursday 26 November" in html


def test_the_checkout_page_sends_an_empty_basket_back_to_the_basket(client):
    response = client.get("/checkout")
    assert response.status_code == 303 and response.location.endswith("/basket")


def test_the_checkout_form_places_the_order_and_opens_its_page(app, client):
    add(client, "kefir-soap-bar", 1)
    token = csrf_token(client.get("/checkout").get_data(as_text=True))
    response = client.post("/checkout", data={**FORM, "csrf_token": token})
    assert response.status_code == 303
    assert re.search(r"/orders/KS-000001\?token=", response.location)
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-order-status="pending_payment"' in page and "TEST MODE" in page


def test_the_checkout_form_shows_a_message_per_bad_field_and_keeps_what_was_typed(app, client):
    add(client, "kefir-soap-bar", 1)
    token = csrf_token(client.get("/checkout").get_data(as_text=True))
    form = {**FORM, "email": "ada@", "postcode": "90210", "name": "<b>Ada</b>", "csrf_token": token}
    response = client.post("/checkout", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter a valid email address" in html and "Please enter a UK postcode" in html
    assert 'value="&lt;b&gt;Ada&lt;/b&gt;"' in html and "<b>Ada</b>" not in html
    assert orders(app) == 0 and stock(app, "kefir-soap-bar") == 40


def test_the_checkout_form_without_its_csrf_token_is_refused(app, client):
    add(client, "kefir-soap-bar", 1)
    assert client.post("/checkout", data=FORM).status_code == 400
    assert orders(app) == 0


# PostgreSQL only: it is the production database, and its row locks decide this race.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_twenty_buyers_at_once_for_five_in_stock_get_exactly_five_orders(app):
    # Twenty buyers from one test address and email: the abuse limits would stop them first.
    app.config.update(CHECKOUT_RATE_LIMIT="100 per hour", MAX_PENDING_ORDERS_PER_CLIENT=100)
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == "kefir-soap-bar").values(stock=5))
        db.session.commit()
    buyers = [app.test_client() for _ in range(20)]
    for buyer in buyers:
        add(buyer, "kefir-soap-bar", 1)
    start = threading.Barrier(len(buyers))
    answers: list[tuple[int, str]] = []

    def buy(buyer: FlaskClient) -> None:
        start.wait()
        response = buyer.post("/api/v1/checkout", json=DETAILS)
        answers.append((response.status_code, response.get_json().get("detail", "")))

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [201] * 5 + [409] * 15
    # Whether a buyer lost the race at the row lock or saw the stock gone, they are told why.
    assert all("stock" in detail.lower() for status, detail in answers if status == 409)
    assert stock(app, "kefir-soap-bar") == 0
    assert orders(app) == 5
