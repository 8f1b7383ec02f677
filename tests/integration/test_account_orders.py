"""An account's orders, "Buy again", the basket across signing in, addresses, the customer's
data and deleting the account."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from shop.accounts.models import Customer, CustomerAddress, CustomerOrder
from shop.extensions import db
from shop.models import Order, OrderLine, OutboxEmail, Product
from tests.factories import (
    CUSTOMER_EMAIL,
    CUSTOMER_PASSWORD,
    emailed_link,
    form_csrf_token,
    sign_up_customer,
)

pytestmark = pytest.mark.usefixtures("catalogue")

KEFIR = "organic-whole-milk-kefir-500ml"  # £4.50, 60 in stock
GOATS = "goats-milk-kefir-500ml"  # 18 in stock


def stored_order(app: Flask, email: str, items: dict[str, int], status: str = "paid") -> str:
    """An order as checkout stores it (no payment needed here); returns its number."""
    with app.app_context():
        now = app.config["CLOCK"].now()
        products = {p.slug: p for p in db.session.scalars(select(Product))}
        lines = [OrderLine(product_id=products[s].id, product_slug=s,
                           product_name=products[s].name,
                           unit_price_pence=products[s].price_pence, quantity=q)
                 for s, q in items.items()]
        subtotal = sum(line.line_total_pence for line in lines)
        order = Order(email=email, name="Ada Lovelace", address_line1="1 Kefir Lane",
                      city="Bath", postcode="BA1 1AA", subtotal_pence=subtotal,
                      delivery_pence=0, total_pence=subtotal, dispatch_date=date(2026, 11, 25),
                      delivery_date=date(2026, 11, 26), created_at=now,
                      expires_at=now + timedelta(minutes=30), status=status, lines=lines)
        db.session.add(order)
        db.session.flush()
        order.number = f"KS-{order.id:06d}"
        db.session.commit()
        return order.number


def claim(app: Flask, number: str, email: str = CUSTOMER_EMAIL) -> None:
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.email == email))
        order = db.session.scalar(select(Order).where(Order.number == number))
        db.session.add(CustomerOrder(order_id=order.id, customer_id=customer.id))
        db.session.commit()


def set_product(app: Flask, slug: str, **values) -> None:
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == slug).values(**values))
        db.session.commit()


def basket(client: FlaskClient) -> dict[str, int]:
    items = client.get("/api/v1/basket").get_json()["items"]
    return {item["slug"]: item["quantity"] for item in items}


def add(client: FlaskClient, slug: str, quantity: int) -> None:
    response = client.post("/api/v1/basket/items", json={"slug": slug, "quantity": quantity})
    assert response.status_code == 201, response.get_json()


def sign_in(client: FlaskClient) -> None:
    response = client.post("/api/v1/session", json={"email": CUSTOMER_EMAIL,
                                                    "password": CUSTOMER_PASSWORD})
    assert response.status_code == 200


# --- Orders belong to the account ----------------------------------------------------------------


@pytest.mark.usefixtures("stripe_webhooks")
def test_an_order_placed_while_signed_in_belongs_to_the_account(app, client):
    sign_up_customer(client)
    add(client, KEFIR, 2)
    details = {"email": "someone-else@example.com", "name": "Ada Lovelace",
               "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
    number = client.post("/api/v1/checkout", json=details).get_json()["order"]["number"]
    orders = client.get("/api/v1/account/orders").get_json()["items"]
    assert [o["number"] for o in orders] == [number]
    assert orders[0]["items"][0]["quantity"] == 2


@pytest.mark.usefixtures("stripe_webhooks")
def test_a_guest_order_belongs_to_nobody(app, client):
    add(client, KEFIR, 1)
    details = {"email": CUSTOMER_EMAIL, "name": "Ada Lovelace",
               "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
    assert client.post("/api/v1/checkout", json=details).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CustomerOrder)) == 0


def test_guest_orders_with_the_email_attach_only_once_it_is_verified(app, client):
    first = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 1})
    second = stored_order(app, "ADA@example.com", {GOATS: 1})
    stored_order(app, "grace@example.com", {KEFIR: 3})
    sign_up_customer(client)
    assert client.get("/api/v1/account/orders").get_json()["items"] == []
    client.get(emailed_link(app, CUSTOMER_EMAIL, "/account/verify/"))
    numbers = {o["number"] for o in client.get("/api/v1/account/orders").get_json()["items"]}
    assert numbers == {first, second}


def test_the_orders_page_lists_status_delivery_date_and_items(app, client):
    sign_up_customer(client)
    number = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 2, GOATS: 1}, status="dispatched")
    claim(app, number)
    html = client.get("/account/").get_data(as_text=True)
    assert "<title>Your orders | Kefir Shop</title>" in html
    assert number in html and "Dispatched" in html and "Thursday 26 November" in html
    assert "2 × Organic Whole Milk Kefir" in html
    page = client.get(f"/account/orders/{number}")
    assert page.status_code == 200 and "1 Kefir Lane" in page.get_data(as_text=True)


def test_a_customer_cannot_see_or_reorder_another_customers_order(app, client):
    sign_up_customer(client)
    theirs = stored_order(app, "grace@example.com", {KEFIR: 1})
    grace = app.test_client()
    sign_up_customer(grace, email="grace@example.com")
    claim(app, theirs, "grace@example.com")
    assert client.get(f"/account/orders/{theirs}").status_code == 404
    assert client.post(f"/api/v1/account/orders/{theirs}/reorder").status_code == 404
    token = form_csrf_token(client, "/account/")
    assert client.post(f"/account/orders/{theirs}/buy-again",
                       data={"csrf_token": token}).status_code == 404
    assert basket(client) == {}
    assert grace.get(f"/account/orders/{theirs}").status_code == 200


# --- Buy again -----------------------------------------------------------------------------------


def test_buy_again_adds_available_products_at_todays_prices_and_names_the_gone(app, client):
    sign_up_customer(client)
    number = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 2, GOATS: 1})
    claim(app, number)
    set_product(app, KEFIR, price_pence=499)
    set_product(app, GOATS, active=False)
    token = form_csrf_token(client, "/account/")
    response = client.post(f"/account/orders/{number}/buy-again", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/basket"
    page = client.get("/basket").get_data(as_text=True)
    assert "No longer available: Goat" in page
    items = client.get("/api/v1/basket").get_json()["items"]
    assert [(i["slug"], i["quantity"], i["unit_price_pence"]) for i in items] == [
        (KEFIR, 2, 499)]


def test_buy_again_caps_each_line_at_stock_and_99(app, client):
    sign_up_customer(client)
    number = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 80, GOATS: 5})
    claim(app, number)
    set_product(app, GOATS, stock=3)
    set_product(app, KEFIR, stock=500)
    add(client, KEFIR, 30)
    answer = client.post(f"/api/v1/account/orders/{number}/reorder")
    assert answer.status_code == 200
    assert basket(client) == {KEFIR: 99, GOATS: 3}


# --- The basket across signing in ----------------------------------------------------------------


def test_signing_in_merges_the_guest_basket_capped_at_stock_and_99(app, client):
    set_product(app, KEFIR, stock=500)
    sign_up_customer(client)
    add(client, KEFIR, 60)
    add(client, GOATS, 10)
    client.delete("/api/v1/session")
    assert basket(client) == {}  # this browser forgot the account's basket
    guest = app.test_client()
    add(guest, KEFIR, 50)
    add(guest, GOATS, 15)
    sign_in(guest)
    assert basket(guest) == {KEFIR: 99, GOATS: 18}


def test_signing_in_with_no_saved_basket_keeps_the_guest_basket(app, client):
    sign_up_customer(app.test_client())
    add(client, KEFIR, 2)
    sign_in(client)
    assert basket(client) == {KEFIR: 2}
    other = app.test_client()
    sign_in(other)
    assert basket(other) == {KEFIR: 2}  # the account's basket, on another device


# --- Addresses and checkout ----------------------------------------------------------------------

ADDRESS = {"name": "Ada Lovelace", "phone": "", "line1": "2 Whey Street", "line2": "",
           "city": "Bath", "postcode": "ba2 4aa"}


def post_address(client: FlaskClient, path: str = "/account/addresses", **changes):
    token = form_csrf_token(client, "/account/addresses")
    return client.post(path, data={**ADDRESS, **changes, "csrf_token": token})


def addresses(app: Flask) -> list[tuple[str, bool]]:
    with app.app_context():
        return [(a.line1, a.is_default) for a in db.session.scalars(
            select(CustomerAddress).order_by(CustomerAddress.id))]


def test_addresses_are_added_edited_made_default_and_deleted(app, client):
    sign_up_customer(client)
    assert post_address(client).status_code == 303
    assert post_address(client, line1="3 Curd Road").status_code == 303
    assert addresses(app) == [("2 Whey Street", True), ("3 Curd Road", False)]
    with app.app_context():
        first, second = db.session.scalars(select(CustomerAddress.id).order_by(
            CustomerAddress.id)).all()
    assert post_address(client, f"/account/addresses/{second}/default").status_code == 303
    assert addresses(app) == [("2 Whey Street", False), ("3 Curd Road", True)]
    assert post_address(client, f"/account/addresses/{first}", line1="4 Grain Way"
                        ).status_code == 303
    assert addresses(app)[0] == ("4 Grain Way", False)
    assert post_address(client, f"/account/addresses/{second}/delete").status_code == 303
    assert addresses(app) == [("4 Grain Way", True)]


def test_a_bad_address_is_refused_with_a_message_and_stores_nothing(app, client):
    sign_up_customer(client)
    response = post_address(client, postcode="NOT A POSTCODE")
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    assert addresses(app) == []


def test_another_customers_address_is_a_404(app, client):
    sign_up_customer(client)
    post_address(client)
    other = app.test_client()
    sign_up_customer(other, email="grace@example.com")
    with app.app_context():
        address_id = db.session.scalar(select(CustomerAddress.id))
    assert other.get(f"/account/addresses/{address_id}").status_code == 404
    assert post_address(other, f"/account/addresses/{address_id}/delete").status_code == 404
    assert len(addresses(app)) == 1


def test_the_checkout_starts_with_the_default_address(app, client):
    sign_up_customer(client)
    post_address(client)
    add(client, KEFIR, 1)
    html = client.get("/checkout").get_data(as_text=True)
    assert 'value="2 Whey Street"' in html and f'value="{CUSTOMER_EMAIL}"' in html
    assert "Save this address to my account" in html


@pytest.mark.usefixtures("stripe_webhooks")
def test_the_checkout_saves_a_new_address_when_asked(app, client):
    sign_up_customer(client)
    add(client, KEFIR, 1)
    token = form_csrf_token(client, "/checkout")
    response = client.post("/checkout", data={
        "email": CUSTOMER_EMAIL, "name": "Ada Lovelace", "line1": "9 Milk Row", "city": "Bath",
        "postcode": "BA1 2BB", "save_address": "1", "csrf_token": token})
    assert response.status_code == 303
    assert addresses(app) == [("9 Milk Row", True)]
    assert len(client.get("/api/v1/account/orders").get_json()["items"]) == 1


# --- The customer's data -------------------------------------------------------------------------


def test_the_export_holds_the_account_addresses_orders_and_emails(app, client):
    sign_up_customer(client)
    post_address(client)
    number = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 1})
    claim(app, number)
    client.get(emailed_link(app, CUSTOMER_EMAIL, "/account/verify/"))
    data = client.get("/api/v1/account/export").get_json()
    assert data["account"]["email"] == CUSTOMER_EMAIL
    assert data["addresses"][0]["line1"] == "2 Whey Street"
    assert data["orders"][0]["number"] == number
    assert data["orders"][0]["items"][0]["slug"] == KEFIR
    assert data["emails_sent"][0]["subject"].startswith("Please confirm")
    assert "password_hash" not in str(data)
    download = client.get("/account/data.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_json()["account"]["email"] == CUSTOMER_EMAIL


def test_deleting_the_account_needs_the_password_and_keeps_the_orders(app, client):
    sign_up_customer(client)
    post_address(client)
    number = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 1})
    claim(app, number)
    wrong = client.delete("/api/v1/account", json={"password": "not-my-password"})
    assert wrong.status_code == 422
    assert client.delete("/api/v1/account", json={"password": CUSTOMER_PASSWORD}
                         ).status_code == 204
    assert client.get("/api/v1/account").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
        assert db.session.scalar(select(func.count()).select_from(CustomerAddress)) == 0
        assert db.session.scalar(select(func.count()).select_from(CustomerOrder)) == 0
        assert db.session.scalar(select(Order.status).where(Order.number == number)) == "paid"
        told = db.session.scalars(select(OutboxEmail.subject).where(
            OutboxEmail.to == CUSTOMER_EMAIL)).all()
    assert "Your Kefir Shop account has been deleted" in told
    assert sign_up_customer(app.test_client()).status_code == 201  # the email is free again


def test_the_delete_form_confirms_with_the_password(app, client):
    sign_up_customer(client)
    token = form_csrf_token(client, "/account/delete")
    assert client.post("/account/delete", data={"password": "nope-nope-nope",
                                                "csrf_token": token}).status_code == 422
    response = client.post("/account/delete", data={"password": CUSTOMER_PASSWORD,
                                                     "csrf_token": token})
    assert response.status_code == 303
    assert client.get("/account/").status_code == 303


# --- Support conversations -----------------------------------------------------------------------


def start_conversation(app: Flask, email: str) -> None:
    from shop.chat.service import NewConversation, start

    with app.app_context():
        start(NewConversation(body="Is the kefir raw milk?", email=email, name="Ada",
                              order_number=None), True, app.config["CLOCK"].now())
        db.session.commit()


def test_support_conversations_show_once_the_email_is_verified(app, client):
    start_conversation(app, CUSTOMER_EMAIL)
    sign_up_customer(client)
    assert "Conversation of" not in client.get("/account/").get_data(as_text=True)
    assert client.get("/api/v1/account/export").get_json()["support_conversations"] == []
    assert client.get("/api/v1/account/export").get_json()["emails_sent"] == []
    client.get(emailed_link(app, CUSTOMER_EMAIL, "/account/verify/"))
    html = client.get("/account/").get_data(as_text=True)
    assert "Conversation of 25 November 2026" in html and "/support/" in html
    [conversation] = client.get("/api/v1/account/export").get_json()["support_conversations"]
    assert conversation["messages"][0]["body"] == "Is the kefir raw milk?"


def test_the_checkout_offers_each_saved_address_and_fills_in_the_one_chosen(app, client):
    sign_up_customer(client)
    post_address(client)
    post_address(client, line1="3 Curd Road")
    with app.app_context():
        second = db.session.scalar(select(CustomerAddress.id).where(
            CustomerAddress.line1 == "3 Curd Road"))
    add(client, KEFIR, 1)
    html = client.get("/checkout").get_data(as_text=True)
    assert f"/checkout?address={second}" in html and 'value="2 Whey Street"' in html
    html = client.get(f"/checkout?address={second}").get_data(as_text=True)
    assert 'value="3 Curd Road"' in html
    stranger = app.test_client()
    add(stranger, KEFIR, 1)
    assert "Curd Road" not in stranger.get(f"/checkout?address={second}").get_data(as_text=True)


def test_a_guest_order_placed_after_verifying_joins_at_the_next_sign_in(app, client):
    sign_up_customer(client)
    client.get(emailed_link(app, CUSTOMER_EMAIL, "/account/verify/"))
    later = stored_order(app, CUSTOMER_EMAIL, {KEFIR: 1})
    assert client.get("/api/v1/account/orders").get_json()["items"] == []
    other = app.test_client()
    sign_in(other)
    assert [o["number"] for o in other.get("/api/v1/account/orders").get_json()["items"]] == [
        later]


def test_an_unverified_account_gets_no_guest_orders_at_sign_in(app, client):
    stored_order(app, CUSTOMER_EMAIL, {KEFIR: 1})
    sign_up_customer(app.test_client())
    sign_in(client)
    assert client.get("/api/v1/account/orders").get_json()["items"] == []
