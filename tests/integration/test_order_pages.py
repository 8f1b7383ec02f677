"""The customer's order page and API: reached only by the signed link, paid by the sandbox."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.checkout.links import status_url
from shop.checkout.service import create_order
from shop.domain.customer import validate_customer
from shop.extensions import db
from shop.models import Order, Product
from shop.payments import gateway

pytestmark = pytest.mark.usefixtures("catalogue", "stripe_webhooks")


@pytest.fixture
def order_link(app: Flask, clock) -> str:
    """A pending order for two soap bars, and its signed status link."""
    customer, _ = validate_customer(
        {
            "email": "bob@example.com",
            "name": "Bob Smith",
            "address": {"line1": "2 Whey Road", "city": "York", "postcode": "YO1 7HH"},
        }
    )
    with app.app_context(), app.test_request_context():
        soap = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        order = create_order(
            customer, [(soap, 2)], 395, date(2026, 11, 25), date(2026, 11, 26), clock.now(),
            payments=gateway(),
        )
        return status_url(order)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_signed_link_shows_the_order_waiting_for_payment(client: FlaskClient, order_link):
    html = client.get(order_link).get_data(as_text=True)
    assert 'data-order-status="pending_payment"' in html
    assert "Kefir &amp; Oat Soap Bar" in html and "£16.95" in html
    assert "Thursday 26 November" in html


@pytest.mark.parametrize(
    "path",
    [
        "/orders/KS-000001",
        "/orders/KS-000001?token=forged",
        "/orders/KS-000002?token=x",
        "/api/v1/orders/KS-000001",
        "/api/v1/orders/KS-000001?token=forged",
    ],
)
def test_without_the_right_token_an_order_does_not_exist(client: FlaskClient, order_link, path):
    assert client.get(path).status_code == 404


def test_the_api_gives_the_same_order_as_json(client: FlaskClient, order_link):
    token = order_link.split("token=")[1]
    body = client.get(f"/api/v1/orders/KS-000001?token={token}").get_json()
    assert body == {
        "number": "KS-000001",
        "status": "pending_payment",
        "items": [
            {
                "slug": "kefir-soap-bar",
                "name": "Kefir & Oat Soap Bar",
                "quantity": 2,
                "unit_price_pence": 650,
                "line_total_pence": 1300,
            }
        ],
        "subtotal_pence": 1300,
        "delivery_pence": 395,
        "total_pence": 1695,
        "delivery_date": "2026-11-26",
        "email": "bob@example.com",
        "discount_code": None,
        "discount_pence": 0,
    }


def test_the_sandbox_offers_a_clearly_marked_test_card_form(client: FlaskClient, order_link):
    html = client.get(order_link).get_data(as_text=True)
    assert "TEST MODE: no real card is charged." in html
    assert 'name="card_number"' in html
    assert "js.stripe.com" not in html


def test_live_keys_never_show_the_test_card_form(app: Flask, client: FlaskClient, order_link):
    from shop.payments import StripeGateway

    app.extensions["payments"] = StripeGateway(
        "sk_live_example", "pk_live_example", "whsec_x", api_base="", sandbox=True
    )
    response = client.get(order_link)
    html = response.get_data(as_text=True)
    assert 'name="card_number"' not in html and "TEST MODE" not in html
    assert 'id="payment-element"' in html
    assert "https://js.stripe.com" in response.headers["Content-Security-Policy"]
    pay_url = order_link.replace("/orders/KS-000001?", "/orders/KS-000001/pay?")
    app.config["WTF_CSRF_ENABLED"] = False  # so that only the live-mode check can refuse it
    assert client.post(pay_url, data={"card_number": "4242424242424242"}).status_code == 404


def test_paying_with_the_test_card_leads_to_a_paid_page(
    app: Flask, client: FlaskClient, order_link
):
    import time

    html = client.get(order_link).get_data(as_text=True)
    pay_url = re.search(r'action="([^"]+/pay[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.post(
        pay_url, data={"card_number": "4242 4242 4242 4242", "csrf_token": csrf_token(html)}
    )
    assert response.status_code == 302 and "paying=1" in response.location
    for _ in range(150):
        html = client.get(order_link).get_data(as_text=True)
        if 'data-order-status="paid"' in html:
            break
        time.sleep(0.1)
    assert 'data-order-status="paid"' in html
    assert "confirmation email is on its way to bob@example.com" in html


def test_a_declined_test_card_says_so_and_keeps_the_basket(client: FlaskClient, order_link):
    html = client.get(order_link).get_data(as_text=True)
    pay_url = re.search(r'action="([^"]+/pay[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.post(
        pay_url,
        data={"card_number": "4000000000000341", "csrf_token": csrf_token(html)},
        follow_redirects=True,
    )
    assert "Your card was declined." in response.get_data(as_text=True)


def test_the_pay_form_without_its_csrf_token_is_refused(app, client: FlaskClient, order_link):
    pay_url = order_link.replace("/orders/KS-000001?", "/orders/KS-000001/pay?")
    response = client.post(pay_url, data={"card_number": "4242424242424242"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "pending_payment"


@pytest.mark.parametrize("card", ["", "abcd", "4242", "4" * 30])
def test_a_malformed_card_number_gets_a_message(client: FlaskClient, order_link, card):
    html = client.get(order_link).get_data(as_text=True)
    pay_url = re.search(r'action="([^"]+/pay[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.post(
        pay_url, data={"card_number": card, "csrf_token": csrf_token(html)}, follow_redirects=True
    )
    assert "Please type a test card number" in response.get_data(as_text=True)
