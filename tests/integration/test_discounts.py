"""Discount codes in the basket and at checkout: applied, refused, reserved, released."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shop.discounts.models import DiscountCode, DiscountUse
from shop.domain import LONDON
from shop.extensions import db
from shop.models import Basket, Order
from tests.factories import create_discount

pytestmark = pytest.mark.usefixtures("catalogue")

KIT = "milk-kefir-starter-kit"  # £24.95
GINGER = "ginger-lemon-water-kefir-330ml"  # £2.75
CASE = "water-kefir-mixed-case-12"  # £29.50
SOAP = "kefir-soap-bar"  # £6.50
DETAILS = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA2 4AA"},
}


def add(client: FlaskClient, slug: str, quantity: int = 1) -> None:
    response = client.post("/api/v1/basket/items", json={"slug": slug, "quantity": quantity})
    assert response.status_code == 201, response.get_json()


def apply(client: FlaskClient, code: object):
    return client.post("/api/v1/basket/discount", json={"code": code})


def basket_codes(app: Flask) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(select(Basket.discount_code).order_by(Basket.id)))


def uses(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(DiscountCode.uses).where(DiscountCode.code == code))


def discounted_orders(app: Flask) -> list[tuple[str, str | None, int, int]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Order.status, Order.discount_code, Order.discount_pence, Order.total_pence)
            .order_by(Order.id))]


# Applying a code ------------------------------------------------------------------------------


def test_ten_percent_off_27_70_takes_2_77_and_delivery_is_still_charged(app, client):
    create_discount(app, "WELCOME10", "percent", 10)
    add(client, KIT)
    add(client, GINGER)
    response = apply(client, " welcome10 ")
    assert response.status_code == 200
    body = response.get_json()
    assert body["discount"] == {"code": "WELCOME10", "kind": "percent", "amount_pence": 277,
                                "label": "10% off"}
    assert (body["subtotal_pence"], body["discount_pence"], body["total_pence"]) == (
        2770, 277, 2770 - 277 + 395)
    assert body["delivery"]["free"] is False and body["delivery"]["amount_to_free_pence"] == 8
    assert client.get("/api/v1/basket").get_json()["discount"]["code"] == "WELCOME10"


def test_a_free_delivery_code_waives_the_fee(app, client):
    create_discount(app, "SHIPFREE", "free_delivery")
    add(client, SOAP)
    body = apply(client, "shipfree").get_json()
    assert body["delivery"]["price_pence"] == 0 and body["delivery"]["free"] is True
    assert body["total_pence"] == 650 and body["discount_pence"] == 0


def test_removing_the_code_restores_the_price(app, client):
    create_discount(app, "WELCOME10", "percent", 10)
    add(client, CASE)
    apply(client, "WELCOME10")
    body = client.delete("/api/v1/basket/discount").get_json()
    assert body["discount"] is None and body["total_pence"] == 2950
    assert basket_codes(app) == [None]


def test_removing_when_there_is_no_basket_answers_the_empty_basket(client):
    response = client.delete("/api/v1/basket/discount")
    assert response.status_code == 200 and response.get_json()["items"] == []


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        ({"starts_at": datetime(2026, 12, 1, tzinfo=LONDON)}, "not_started"),
        ({"ends_at": datetime(2026, 11, 25, 11, 45, tzinfo=LONDON)}, "ended"),
        ({"min_subtotal_pence": 3000}, "minimum_spend"),
        ({"max_uses": 2, "uses": 2}, "used_up"),
        ({"active": False}, "inactive"),
    ],
)
def test_a_code_that_does_not_apply_is_a_422_naming_why_and_is_not_stored(
    app, client, terms, reason
):
    create_discount(app, "NOPE", "percent", 10, **terms)
    add(client, CASE)
    response = apply(client, "nope")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["reason"] == reason
    assert basket_codes(app) == [None]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"code": "UNKNOWN"}, 422),
        ({"code": ""}, 422),
        ({"code": "   "}, 422),
        ({"code": "X" * 5000}, 422),
        ({"code": 10}, 422),
        ({"code": None}, 422),
        ({"code": ["WELCOME10"]}, 422),
        ({}, 422),
        ({"code": "WELCOME10", "extra": 1}, 422),
        ([], 422),
        ("WELCOME10", 422),
    ],
)
def test_bad_input_is_a_4xx_problem_and_changes_nothing(app, client, body, status):
    create_discount(app, "WELCOME10", "percent", 10)
    create_discount(app, "SHIPFREE", "free_delivery")
    add(client, CASE)
    assert apply(client, "SHIPFREE").status_code == 200
    response = client.post("/api/v1/basket/discount", json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert basket_codes(app) == ["SHIPFREE"]
    assert client.get("/api/v1/basket").get_json()["discount"]["code"] == "SHIPFREE"


def test_a_body_that_is_not_json_is_refused(app, client):
    add(client, CASE)
    response = client.post("/api/v1/basket/discount", data="code=WELCOME10",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and basket_codes(app) == [None]
    response = client.post("/api/v1/basket/discount", data="{", content_type="application/json")
    assert response.status_code == 400 and basket_codes(app) == [None]


def test_a_code_cannot_be_applied_to_an_empty_basket(app, client):
    create_discount(app, "WELCOME10", "percent", 10)
    response = apply(client, "WELCOME10")
    assert response.status_code == 422 and response.get_json()["reason"] == "empty_basket"


def test_the_openapi_document_describes_the_discount_calls_and_fields(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"post", "delete"} <= set(doc["paths"]["/basket/discount"])
    schemas = doc["components"]["schemas"]
    assert {"discount", "discount_pence", "discount_problem"} <= set(
        schemas["Basket"]["properties"])
    assert {"discount_code", "discount_pence"} <= set(schemas["Order"]["properties"])


# A code that stops applying -----------------------------------------------------------------


@pytest.mark.usefixtures("stripe_webhooks")
def test_a_code_whose_minimum_is_no_longer_met_is_shown_as_such_and_removed_at_checkout(
    app, client
):
    create_discount(app, "BIG5", "amount", 500, min_subtotal_pence=2500)
    add(client, CASE)
    assert apply(client, "BIG5").get_json()["total_pence"] == 2450 + 395
    client.patch(f"/api/v1/basket/items/{CASE}", json={"quantity": 0})
    add(client, SOAP)
    body = client.get("/api/v1/basket").get_json()
    assert body["discount"] is None and body["total_pence"] == 650 + 395
    assert body["discount_problem"]["code"] == "BIG5"
    assert body["discount_problem"]["reason"] == "minimum_spend"
    response = client.post("/api/v1/checkout", json=DETAILS)
    assert response.status_code == 409
    assert "BIG5" in response.get_json()["detail"] and "taken the code off" in (
        response.get_json()["detail"])
    assert discounted_orders(app) == [] and basket_codes(app) == [None]
    assert client.post("/api/v1/checkout", json=DETAILS).status_code == 201


def test_an_expired_code_shows_on_the_basket_page_as_no_longer_applying(app, client, clock):
    create_discount(app, "FLASH", "percent", 20, ends_at=clock.at + timedelta(hours=1))
    add(client, CASE)
    apply(client, "FLASH")
    clock.at += timedelta(hours=2)
    html = client.get("/basket").get_data(as_text=True)
    assert "no longer applies" in html and "FLASH ended at" in html


# Checkout -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("stripe_webhooks")
def test_checkout_stores_the_code_and_charges_the_discounted_total(app, client):
    create_discount(app, "WELCOME10", "percent", 10, max_uses=5)
    add(client, KIT)
    add(client, GINGER)
    apply(client, "WELCOME10")
    response = client.post("/api/v1/checkout", json=DETAILS)
    assert response.status_code == 201
    body = response.get_json()
    order = body["order"]
    assert (order["subtotal_pence"], order["discount_pence"], order["delivery_pence"],
            order["total_pence"], order["discount_code"]) == (2770, 277, 395, 2888, "WELCOME10")
    intent = stripe.StripeClient(
        "sk_test_kefir_shop", base_addresses={"api": app.config["STRIPE_API_BASE"]}
    ).v1.payment_intents.retrieve(body["payment"]["payment_intent_id"])
    assert intent.amount == 2888
    assert uses(app, "WELCOME10") == 1
    page = client.get(body["status_url"].removeprefix("http://localhost")).get_data(as_text=True)
    assert "Discount (WELCOME10)" in page and "−£2.77" in page


@pytest.mark.usefixtures("stripe_webhooks")
def test_an_expired_order_gives_its_use_back(app, client, clock, runner):
    create_discount(app, "ONE", "amount", 100, max_uses=1)
    add(client, CASE)
    apply(client, "ONE")
    assert client.post("/api/v1/checkout", json=DETAILS).status_code == 201
    assert uses(app, "ONE") == 1
    clock.at += timedelta(minutes=31)
    runner.invoke(args=["release-expired"])
    assert uses(app, "ONE") == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DiscountUse)) == 0


@pytest.mark.usefixtures("stripe_webhooks")
def test_a_second_checkout_of_the_basket_reuses_the_code_rather_than_spending_two(app, client):
    create_discount(app, "ONE", "amount", 100, max_uses=1)
    add(client, CASE)
    apply(client, "ONE")
    assert client.post("/api/v1/checkout", json=DETAILS).status_code == 201
    assert client.post("/api/v1/checkout", json=DETAILS).status_code == 201
    assert [row[:2] for row in discounted_orders(app)] == [("expired", "ONE"),
                                                         ("pending_payment", "ONE")]
    assert uses(app, "ONE") == 1


@pytest.mark.usefixtures("stripe_webhooks")
def test_once_per_customer_counts_the_email_whatever_its_case(app, client):
    create_discount(app, "FIRST", "percent", 10, once_per_customer=True)
    add(client, CASE)
    apply(client, "FIRST")
    assert client.post("/api/v1/checkout", json=DETAILS).status_code == 201
    again = app.test_client()
    add(again, CASE)
    assert apply(again, "FIRST").status_code == 200  # the basket does not know the email yet
    response = again.post("/api/v1/checkout", json={**DETAILS, "email": "ADA@Example.COM"})
    assert response.status_code == 409
    assert "once per customer" in response.get_json()["detail"]
    other = again.post("/api/v1/checkout", json={**DETAILS, "email": "bob@example.com"})
    assert other.status_code == 201 and other.get_json()["order"]["discount_code"] is None


# PostgreSQL only: it is the production database, and its row locks decide this race.
@pytest.mark.usefixtures("stripe_webhooks")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_ten_buyers_at_once_for_the_last_use_make_exactly_one_discounted_order(app):
    create_discount(app, "LAST", "amount", 500, max_uses=3, uses=2)
    buyers = [app.test_client() for _ in range(10)]
    for buyer in buyers:
        add(buyer, CASE)
        assert apply(buyer, "LAST").get_json()["total_pence"] == 2450 + 395
    start = threading.Barrier(len(buyers))
    answers: list[tuple[int, dict]] = []

    def buy(buyer: FlaskClient) -> None:
        start.wait()
        response = buyer.post("/api/v1/checkout", json=DETAILS)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [201] + [409] * 9
    # The one order is charged what every basket showed; the others are told, not charged more.
    assert [body["order"]["total_pence"] for status, body in answers if status == 201] == [2845]
    assert all("used up" in body["detail"] for status, body in answers if status == 409)
    assert discounted_orders(app) == [("pending_payment", "LAST", 500, 2845)]
    assert uses(app, "LAST") == 3


# The basket page, without JavaScript ---------------------------------------------------------


def csrf(client: FlaskClient) -> str:
    html = client.get("/basket").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_basket_page_applies_a_code_shows_the_saving_and_the_nudge_after_it(app, client):
    create_discount(app, "WELCOME10", "percent", 10)
    add(client, KIT)
    add(client, GINGER)
    html = client.get("/basket").get_data(as_text=True)
    assert 'name="code"' in html and "Discount code" in html
    assert "Your basket qualifies for" in html
    response = client.post("/basket/discount", data={"csrf_token": csrf(client),
                                                     "code": "welcome10"})
    assert response.status_code == 303
    html = client.get("/basket").get_data(as_text=True)
    assert "Code WELCOME10 applied: 10% off." in html
    assert "you save £2.77" in html and "−£2.77" in html
    assert "Add <strong>£0.08</strong> more for <strong>FREE next-day delivery" in html
    assert 'value="2493"' in html  # the progress bar counts the goods after the discount
    client.post("/basket/discount/remove", data={"csrf_token": csrf(client)})
    html = client.get("/basket").get_data(as_text=True)
    assert "Discount code removed." in html and "WELCOME10" not in html


def test_the_basket_page_says_why_a_code_does_not_apply(app, client):
    add(client, KIT)
    client.post("/basket/discount", data={"csrf_token": csrf(client), "code": "x" * 5000})
    html = client.get("/basket").get_data(as_text=True)
    assert "We don&#39;t recognise the code" in html
    assert basket_codes(app) == [None]


def test_the_basket_form_without_its_csrf_token_changes_nothing(app, client):
    create_discount(app, "WELCOME10", "percent", 10)
    add(client, KIT)
    assert client.post("/basket/discount", data={"code": "WELCOME10"}).status_code == 400
    assert basket_codes(app) == [None]


@pytest.mark.usefixtures("stripe_webhooks")
def test_a_payment_that_finally_fails_gives_the_use_back(app, client, clock):
    from shop.checkout.payment_events import handle_stripe_event

    app.config["PAYMENT_MAX_ATTEMPTS"] = 1  # the first decline is the last
    create_discount(app, "ONE", "amount", 100, max_uses=1)
    add(client, CASE)
    apply(client, "ONE")
    intent = client.post("/api/v1/checkout", json=DETAILS).get_json()["payment"][
        "payment_intent_id"]
    assert uses(app, "ONE") == 1
    with app.app_context():
        outcome = handle_stripe_event({"id": "evt_failed", "type": "payment_intent.payment_failed",
                                       "data": {"object": {"id": intent}}}, clock.now())
    assert outcome == "payment-failed" and uses(app, "ONE") == 0


@pytest.mark.usefixtures("stripe_webhooks")
def test_a_code_inside_its_window_is_used_at_checkout(app, client, clock):
    create_discount(app, "WINDOW", "percent", 10, starts_at=clock.at - timedelta(seconds=1),
                    ends_at=clock.at + timedelta(seconds=1), max_uses=1)
    add(client, CASE)
    apply(client, "WINDOW")
    order = client.post("/api/v1/checkout", json=DETAILS).get_json()["order"]
    assert (order["discount_code"], order["discount_pence"]) == ("WINDOW", 295)
    assert uses(app, "WINDOW") == 1
