"""A price change reaches the storefront, open baskets and the API; placed orders keep theirs."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.checkout.orders import order_token
from shop.extensions import db
from shop.models import OrderLine, Product
from tests.factories import form_csrf_token, place_paid_order

pytestmark = pytest.mark.usefixtures("catalogue", "stripe_webhooks")

SOAP = "kefir-soap-bar"  # £6.50


def change_price(app: Flask, staff_client: FlaskClient, pounds: str) -> None:
    """Type a new price into the product's edit form, as staff do."""
    with app.app_context():
        soap = db.session.scalar(select(Product).where(Product.slug == SOAP))
        form = {"name": soap.name, "slug": soap.slug, "category": soap.category.slug,
                "price": pounds, "stock": str(soap.stock), "stock_was": str(soap.stock),
                "description": soap.description, "active": "1"}
        path = f"/admin/products/{soap.id}"
    form["csrf_token"] = form_csrf_token(staff_client, path)
    assert staff_client.post(path, data=form).status_code == 303


def test_a_new_price_shows_everywhere_except_in_orders_already_placed(
    app: Flask, clock, staff_client: FlaskClient, client: FlaskClient
):
    number = place_paid_order(app, clock, {SOAP: 2})
    shopper = app.test_client()
    added = shopper.post("/api/v1/basket/items", json={"slug": SOAP, "quantity": 3})
    assert added.status_code == 201
    assert shopper.get("/api/v1/basket").get_json()["subtotal_pence"] == 1950

    change_price(app, staff_client, "7.25")

    # The storefront: product page, catalogue and the public API.
    page = client.get(f"/products/{SOAP}").get_data(as_text=True)
    assert 'data-price-pence="725"' in page and "£7.25" in page
    assert "£7.25" in client.get("/products/?q=soap").get_data(as_text=True)
    assert client.get(f"/api/v1/products/{SOAP}").get_json()["price_pence"] == 725
    # The basket already holding it is priced afresh.
    basket = shopper.get("/api/v1/basket").get_json()
    assert basket["items"][0]["unit_price_pence"] == 725
    assert basket["subtotal_pence"] == 2175
    assert "£21.75" in shopper.get("/basket").get_data(as_text=True)
    # The order placed before keeps the price the customer paid.
    with app.app_context():
        line = db.session.scalar(select(OrderLine).where(OrderLine.product_slug == SOAP))
        assert line.unit_price_pence == 650
        token = order_token(number)
    order = client.get(f"/api/v1/orders/{number}?token={token}").get_json()
    assert order["items"][0]["unit_price_pence"] == 650 and order["subtotal_pence"] == 1300
    admin_page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert re.search(r"£6\.50.*£13\.00", admin_page, re.S) and "£7.25" not in admin_page
