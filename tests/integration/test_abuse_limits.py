"""Abuse limits: nobody holds the stock with scripted checkouts or locks an admin out, signing
out ends the session on the server, and the API's stock changes never lose a reservation."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from shop.extensions import db
from shop.models import Order, OrderStatus, Product
from tests.factories import PASSWORD, form_csrf_token, sign_in

DETAILS = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA2 4AA"},
}
HOME = {"REMOTE_ADDR": "81.2.69.160"}
ELSEWHERE = {"REMOTE_ADDR": "81.2.69.161"}


def buyer(app: Flask, address: dict = HOME) -> FlaskClient:
    """A fresh visitor at `address` with one soap bar in the basket."""
    client = app.test_client()
    client.environ_base.update(address)
    response = client.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 1})
    assert response.status_code == 201
    return client


def checkout(client: FlaskClient, email: str = "ada@example.com"):
    return client.post("/api/v1/checkout", json={**DETAILS, "email": email})


def pending(app: Flask) -> int:
    with app.app_context():
        statuses = db.session.scalars(select(Order.status)).all()
    return sum(status == OrderStatus.PENDING_PAYMENT for status in statuses)


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_checkouts_from_one_address_are_rate_limited(app: Flask):
    app.config.update(CHECKOUT_RATE_LIMIT="2 per hour", MAX_PENDING_ORDERS_PER_CLIENT=100)
    for n in range(2):
        assert checkout(buyer(app), f"buyer{n}@example.com").status_code == 201
    refused = checkout(buyer(app), "buyer3@example.com")
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert pending(app) == 2
    # Another customer's address has its own budget.
    assert checkout(buyer(app, ELSEWHERE), "someone@example.com").status_code == 201


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_the_checkout_page_and_the_api_share_one_budget(app: Flask):
    app.config.update(CHECKOUT_RATE_LIMIT="1 per hour", MAX_PENDING_ORDERS_PER_CLIENT=100)
    assert checkout(buyer(app)).status_code == 201
    client = buyer(app)
    token = form_csrf_token(client, "/checkout")
    form = {"email": "b@example.com", "name": "B", "line1": "1 Lane", "city": "Bath",
            "postcode": "BA2 4AA", "csrf_token": token}
    assert client.post("/checkout", data=form).status_code == 429
    assert pending(app) == 1


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_unpaid_orders_are_limited_per_client_address(app: Flask):
    app.config.update(MAX_PENDING_ORDERS_PER_CLIENT=3)
    for n in range(3):
        assert checkout(buyer(app), f"buyer{n}@example.com").status_code == 201
    refused = checkout(buyer(app), "buyer4@example.com")
    assert refused.status_code == 429 and "3 orders waiting for payment" in refused.json["detail"]
    assert pending(app) == 3
    assert checkout(buyer(app, ELSEWHERE), "other@example.com").status_code == 201


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_unpaid_orders_are_limited_per_email_whatever_the_address(app: Flask):
    app.config.update(MAX_PENDING_ORDERS_PER_CLIENT=2)
    for n in range(2):
        address = {"REMOTE_ADDR": f"81.2.70.{n}"}
        assert checkout(buyer(app, address), "Ada@Example.com").status_code == 201
    assert checkout(buyer(app, {"REMOTE_ADDR": "81.2.70.9"}), "ada@example.com").status_code == 429


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_expired_paid_or_resubmitted_orders_do_not_count(app: Flask):
    app.config.update(MAX_PENDING_ORDERS_PER_CLIENT=1)
    client = buyer(app)
    assert checkout(client).status_code == 201
    # The same basket again replaces its own unpaid order rather than counting it.
    assert checkout(client).status_code == 201
    with app.app_context():
        db.session.execute(update(Order).values(status=OrderStatus.PAID))
        db.session.commit()
    assert checkout(buyer(app)).status_code == 201


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_one_line_cannot_hold_more_than_the_per_line_cap(app: Flask):
    app.config.update(MAX_LINE_QUANTITY=5)
    client = app.test_client()
    client.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 6})
    refused = checkout(client)
    assert refused.status_code == 422 and "at most 5 of" in refused.json["detail"]
    assert pending(app) == 0
    client.patch("/api/v1/basket/items/kefir-soap-bar", json={"quantity": 5})
    assert checkout(client).status_code == 201


def test_a_stranger_who_knows_the_admins_email_cannot_lock_the_admin_out(
    app: Flask, admin_user: str
):
    stranger = app.test_client()
    stranger.environ_base.update(ELSEWHERE)
    for _ in range(5):
        assert sign_in(stranger, admin_user, "guess-the-password").status_code == 200
    assert sign_in(stranger, admin_user, PASSWORD).status_code == 429
    admin = app.test_client()
    admin.environ_base.update(HOME)
    assert sign_in(admin, admin_user, PASSWORD).status_code == 303


def test_signing_out_ends_the_session_on_the_server(app: Flask, admin_client: FlaskClient):
    cookie = admin_client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/").status_code == 200
    token = form_csrf_token(admin_client, "/admin/")
    admin_client.post("/admin/logout", data={"csrf_token": token})
    assert thief.get("/admin/").status_code == 303


def product_stock(app: Flask, slug: str = "kefir-soap-bar") -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.slug == slug))


def patch(client: FlaskClient, token: str, body: dict):
    return client.patch("/api/v1/admin/products/kefir-soap-bar", json=body,
                        headers={"Authorization": f"Bearer {token}"})


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_a_stock_change_answers_409_when_an_order_reserved_units_meanwhile(
    app: Flask, client: FlaskClient, admin_token: str
):
    read = product_stock(app)
    assert checkout(buyer(app)).status_code == 201  # reserves one unit after the admin read
    response = patch(client, admin_token, {"stock": 100, "expected_stock": read})
    assert response.status_code == 409 and response.json["stock"] == read - 1
    assert product_stock(app) == read - 1
    response = patch(client, admin_token, {"stock": 100, "expected_stock": read - 1})
    assert response.status_code == 200 and product_stock(app) == 100


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_a_stock_change_without_its_precondition_is_refused(
    app: Flask, client: FlaskClient, admin_token: str
):
    read = product_stock(app)
    response = patch(client, admin_token, {"stock": read + 5})
    assert response.status_code == 428 and "expected_stock" in response.json["detail"]
    assert product_stock(app) == read
    # Sending back what was read, unchanged, needs nothing.
    assert patch(client, admin_token, {"stock": read, "name": "Soap"}).status_code == 200


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_a_relative_stock_adjustment_keeps_concurrent_reservations(
    app: Flask, client: FlaskClient, admin_token: str
):
    read = product_stock(app)
    assert checkout(buyer(app)).status_code == 201
    response = patch(client, admin_token, {"stock_adjustment": 10})
    assert response.status_code == 200 and response.json["stock"] == read - 1 + 10
    too_many = patch(client, admin_token, {"stock_adjustment": -1000})
    assert too_many.status_code == 422 and product_stock(app) == read + 9
    both = patch(client, admin_token, {"stock": 5, "stock_adjustment": 1})
    assert both.status_code == 422
