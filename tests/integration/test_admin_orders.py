"""Staff run orders: find them, dispatch (with an email), deliver; admins refund, and the jobs
make the refund through Stripe."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.admin.models import AuditEntry
from shop.extensions import db
from shop.models import Order, Product
from tests.factories import form_csrf_token, place_paid_order

pytestmark = pytest.mark.usefixtures("catalogue", "stripe_webhooks")


@pytest.fixture
def paid(app: Flask, clock) -> str:
    """A paid order for two soap bars and a recipe book: its number."""
    return place_paid_order(app, clock, {"kefir-soap-bar": 2, "kefir-recipe-book": 1})


def status(app: Flask, number: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Order.status).where(Order.number == number))


def stock(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.slug == slug))


def act(client: FlaskClient, number: str, action: str, **form) -> str:
    """Press an action's button on the order page; return the page that follows."""
    token = form_csrf_token(client, f"/admin/orders/{number}")
    response = client.post(f"/admin/orders/{number}/{action}", data=form | {"csrf_token": token},
                           follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def finish_refunds(app: Flask) -> str:
    """One run of the job that makes pending refunds through Stripe; what it printed."""
    result = app.test_cli_runner().invoke(args=["finish-refunds"])
    assert result.exit_code == 0, result.output
    return result.output


def emails(app: Flask) -> list[email.message.EmailMessage]:
    """The emails the background job sends (as .eml files) once it has run."""
    assert app.test_cli_runner().invoke(args=["send-emails"]).exit_code == 0
    folder = Path(app.instance_path) / "emails"
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


def test_the_list_shows_orders_and_filters_them_by_status(app, clock, staff_client, paid):
    html = staff_client.get("/admin/orders/").get_data(as_text=True)
    assert f'data-order="{paid}"' in html and "ada@example.com" in html and "£31.94" in html
    assert f'data-order="{paid}"' in staff_client.get("/admin/orders/?status=paid").get_data(True)
    assert paid not in staff_client.get("/admin/orders/?status=dispatched").get_data(as_text=True)
    assert staff_client.get("/admin/orders/?status=lost").status_code == 400


@pytest.mark.parametrize("query", ["KS-000001", "ks-00000", "ADA@example", "lovelace"])
def test_orders_are_found_by_number_or_email(staff_client: FlaskClient, paid, query):
    html = staff_client.get(f"/admin/orders/?q={query}").get_data(as_text=True)
    found = f'data-order="{paid}"' in html
    assert found is (query != "lovelace")  # the name is not searched, the email is


def test_the_order_page_shows_what_to_pack_and_where_it_goes(staff_client: FlaskClient, paid):
    html = staff_client.get(f"/admin/orders/{paid}").get_data(as_text=True)
    assert "Kefir &amp; Oat Soap Bar" in html and "The Kefir Kitchen Recipe Book" in html
    assert "1 Kefir Lane, Bath, BA1 1AA" in html
    assert 'data-order-status="paid"' in html and "Mark dispatched" in html
    assert staff_client.get("/admin/orders/KS-999999").status_code == 404


def test_dispatching_emails_the_customer_and_is_audited(app, staff_client: FlaskClient, paid):
    html = act(staff_client, paid, "dispatch")
    assert "is marked dispatched" in html and 'data-order-status="dispatched"' in html
    assert status(app, paid) == "dispatched"
    dispatch = [m for m in emails(app) if "on its way" in m["Subject"]]
    assert len(dispatch) == 1 and dispatch[0]["To"] == "ada@example.com"
    assert "2 × Kefir & Oat Soap Bar" in dispatch[0].get_body(("plain",)).get_content()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.dispatch"))
        assert entry.entity_key == paid and entry.actor == "packer@kefirshop.example"


def test_an_order_is_dispatched_once_and_then_delivered(app, staff_client: FlaskClient, paid):
    act(staff_client, paid, "dispatch")
    html = act(staff_client, paid, "dispatch")
    assert "only paid orders can be dispatched" in html
    assert len([m for m in emails(app) if "on its way" in m["Subject"]]) == 1
    act(staff_client, paid, "deliver")
    assert status(app, paid) == "delivered"


def test_an_unpaid_order_cannot_be_dispatched_or_delivered(app, clock, staff_client):
    from datetime import date

    from shop.checkout.service import create_order
    from shop.domain.customer import validate_customer
    from shop.payments import gateway

    customer, _ = validate_customer({"email": "b@example.com", "name": "Bo",
                                     "address": {"line1": "1 Lane", "city": "Ely",
                                                 "postcode": "CB7 4AA"}})
    with app.app_context():
        soap = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        number = create_order(customer, [(soap, 1)], 395, date(2026, 11, 25),
                              date(2026, 11, 26), clock.now(), payments=gateway()).number
    assert "only paid orders can be dispatched" in act(staff_client, number, "dispatch")
    assert "only dispatched orders" in act(staff_client, number, "deliver")
    assert status(app, number) == "pending_payment"


def _refunds(app: Flask, number: str) -> list:
    with app.app_context():
        intent = db.session.scalar(select(Order.payment_intent_id).where(Order.number == number))
    client = stripe.StripeClient(app.config["STRIPE_SECRET_KEY"],
                                 base_addresses={"api": app.config["STRIPE_API_BASE"]})
    return client.v1.refunds.list(params={"payment_intent": intent}).data


def test_an_admin_refunds_through_stripe_and_restocks_goods_that_never_left(
    app, admin_client: FlaskClient, paid
):
    assert (stock(app, "kefir-soap-bar"), stock(app, "kefir-recipe-book")) == (38, 2)
    html = act(admin_client, paid, "refund", restock="1")
    assert "is refunded and its items are back in stock" in html
    assert status(app, paid) == "refunded" and 'data-refund-state="pending"' in html
    assert _refunds(app, paid) == []  # the request does not call Stripe: the jobs do
    assert finish_refunds(app) == "Made 1 refunds.\n"
    [refund] = _refunds(app, paid)
    assert refund.amount == 3194 and refund.status == "succeeded"
    assert (stock(app, "kefir-soap-bar"), stock(app, "kefir-recipe-book")) == (40, 3)
    assert any("has been refunded" in m["Subject"] for m in emails(app))
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.refund"))
        assert entry.changes == {"status": ["paid", "refunded"], "amount_pence": 3194,
                                 "restocked": True}


def test_a_refund_without_the_goods_back_leaves_stock_alone(app, admin_client, staff_client, paid):
    act(staff_client, paid, "dispatch")
    act(admin_client, paid, "refund")
    assert status(app, paid) == "refunded"
    assert (stock(app, "kefir-soap-bar"), stock(app, "kefir-recipe-book")) == (38, 2)


def test_an_order_is_refunded_only_once(app, admin_client: FlaskClient, paid):
    act(admin_client, paid, "refund")
    assert "only paid, dispatched or delivered orders can be refunded" in act(
        admin_client, paid, "refund", restock="1")
    finish_refunds(app)
    assert finish_refunds(app) == "Made 0 refunds.\n"
    assert len(_refunds(app, paid)) == 1
    assert stock(app, "kefir-soap-bar") == 38


def test_staff_cannot_refund(app, staff_client: FlaskClient, paid):
    html = staff_client.get(f"/admin/orders/{paid}").get_data(as_text=True)
    assert "Only an admin can refund" in html
    token = form_csrf_token(staff_client, f"/admin/orders/{paid}")
    response = staff_client.post(f"/admin/orders/{paid}/refund", data={"csrf_token": token})
    assert response.status_code == 403
    assert status(app, paid) == "paid" and _refunds(app, paid) == []


def test_a_refund_stripe_refuses_stays_pending_and_is_flagged_to_staff(
    app, admin_client: FlaskClient, paid
):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == paid))
        order.payment_intent_id = "pi_unknown"  # Stripe has never heard of it
        db.session.commit()
    act(admin_client, paid, "refund", restock="1")
    assert finish_refunds(app) == "Made 0 refunds.\n"
    html = admin_client.get(f"/admin/orders/{paid}").get_data(as_text=True)
    assert "data-needs-attention" in html and "Refund not yet made" in html
    assert status(app, paid) == "refunded"
    assert not any("has been refunded" in m["Subject"] for m in emails(app))
