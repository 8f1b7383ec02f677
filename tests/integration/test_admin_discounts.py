"""Staff's discount codes: the admin API and pages, their validation, the audit log, sales."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.admin.models import AuditEntry
from shop.discounts.models import DiscountCode
from shop.extensions import db
from tests.factories import create_discount, post_form

pytestmark = pytest.mark.usefixtures("catalogue")

WELCOME = {"code": "welcome10", "kind": "percent", "value": 10}


def call(client: FlaskClient, method: str, path: str, token: str | None, body=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        kwargs.setdefault("data", json.dumps(body))
        kwargs.setdefault("content_type", "application/json")
    return client.open(f"/api/v1/admin{path}", method=method, headers=headers, **kwargs)


def stored(app: Flask) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(DiscountCode.code, DiscountCode.kind, DiscountCode.value,
                   DiscountCode.max_uses, DiscountCode.active, DiscountCode.ends_at)
            .order_by(DiscountCode.id))]


def audit(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(AuditEntry.action, AuditEntry.entity_key).where(AuditEntry.entity == "discount")
            .order_by(AuditEntry.id))]


# The API ------------------------------------------------------------------------------------


def test_staff_create_a_code_read_it_change_it_and_delete_it(app, client, staff_token):
    response = call(client, "POST", "/discounts", staff_token, {
        **WELCOME, "max_uses": 100, "once_per_customer": True,
        "ends_at": "2026-12-31T23:59:59Z"})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/admin/discounts/WELCOME10"
    body = response.get_json()
    assert body == {"code": "WELCOME10", "kind": "percent", "value": 10,
                    "min_subtotal_pence": 0, "starts_at": None,
                    "ends_at": "2026-12-31T23:59:59+00:00", "max_uses": 100,
                    "once_per_customer": True, "active": True, "uses": 0, "note": "",
                    "orders": 0, "revenue_pence": 0, "discount_given_pence": 0}
    assert call(client, "GET", "/discounts/welcome10", staff_token).get_json() == body
    changed = call(client, "PATCH", "/discounts/Welcome10", staff_token,
                   {**body, "value": 15, "ends_at": None})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["value"], changed.get_json()["ends_at"]) == (15, None)
    listed = call(client, "GET", "/discounts?active=true", staff_token).get_json()
    assert [item["code"] for item in listed["items"]] == ["WELCOME10"]
    assert call(client, "DELETE", "/discounts/WELCOME10", staff_token).status_code == 204
    assert stored(app) == []
    assert audit(app) == [("discount.create", "WELCOME10"), ("discount.update", "WELCOME10"),
                          ("discount.delete", "WELCOME10")]


def test_a_code_that_exists_in_any_case_is_a_409(app, client, staff_token):
    assert call(client, "POST", "/discounts", staff_token, WELCOME).status_code == 201
    response = call(client, "POST", "/discounts", staff_token, {**WELCOME, "code": "WeLcOmE10"})
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"code": "WELCOME10 exists already (codes ignore "
                                                     "case)."}
    assert len(stored(app)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**WELCOME, "value": 0}, "value"),
        ({**WELCOME, "value": 101}, "value"),
        ({"code": "SORRY", "kind": "amount"}, "value"),
        ({"code": "SHIP", "kind": "free_delivery", "value": 5}, "value"),
        ({**WELCOME, "code": "a b"}, "code"),
        ({**WELCOME, "code": ""}, "code"),
        ({**WELCOME, "code": "X" * 5000}, "code"),
        ({**WELCOME, "kind": "bogof"}, "kind"),
        ({**WELCOME, "value": "10"}, "value"),
        ({**WELCOME, "value": True}, "value"),
        ({**WELCOME, "max_uses": 0}, "max_uses"),
        ({**WELCOME, "once_per_customer": "yes"}, "once_per_customer"),
        ({**WELCOME, "starts_at": "2026-12-01"}, "starts_at"),
        ({**WELCOME, "starts_at": "2026-12-01T00:00:00"}, "starts_at"),
        ({**WELCOME, "starts_at": "2026-12-02T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"},
         "ends_at"),
        ({**WELCOME, "active": None}, "active"),
        ({"kind": "percent", "value": 10}, "code"),
        ({**WELCOME, "colour": "red"}, "colour"),
    ],
)
def test_invalid_terms_are_a_422_naming_the_field_and_store_nothing(
    app, client, staff_token, body, field
):
    response = call(client, "POST", "/discounts", staff_token, body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert stored(app) == [] and audit(app) == []


def test_a_bad_change_is_refused_and_changes_nothing(app, client, staff_token):
    create_discount(app, "LIMIT", "percent", 10, max_uses=5, uses=3)
    before = stored(app)
    for body in ({"max_uses": 2}, {"value": 0}, {"kind": "amount", "value": -1}, [], "x",
                 {"code": None}, {"ends_at": "yesterday"}):
        response = call(client, "PATCH", "/discounts/limit", staff_token, body)
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert response.mimetype == "application/problem+json"
    assert stored(app) == before and audit(app) == []


def test_unknown_codes_are_404_and_the_api_needs_a_token(client, staff_token):
    for method in ("GET", "PATCH", "DELETE"):
        response = call(client, method, "/discounts/NOPE", staff_token,
                        {} if method == "PATCH" else None)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert call(client, "GET", "/discounts", None).status_code == 401
    assert call(client, "GET", "/discounts/" + "x" * 5000, staff_token).status_code == 404


@pytest.mark.usefixtures("stripe_webhooks")
def test_a_code_on_an_order_cannot_be_deleted_only_deactivated(app, client, staff_token):
    create_discount(app, "USED", "amount", 100)
    shopper = app.test_client()
    shopper.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 1})
    shopper.post("/api/v1/basket/discount", json={"code": "used"})
    assert shopper.post("/api/v1/checkout", json={
        "email": "ada@example.com", "name": "Ada",
        "address": {"line1": "1 Lane", "city": "Bath", "postcode": "BA1 1AA"}}).status_code == 201
    assert call(client, "DELETE", "/discounts/USED", staff_token).status_code == 409
    off = call(client, "PATCH", "/discounts/USED", staff_token, {"active": False})
    assert off.get_json()["active"] is False and off.get_json()["uses"] == 1
    assert shopper.get("/api/v1/basket").get_json()["discount_problem"]["reason"] == "inactive"
    renamed = call(client, "PATCH", "/discounts/USED", staff_token, {"code": "OTHER"})
    assert renamed.status_code == 422


# The pages ----------------------------------------------------------------------------------


def test_staff_create_a_code_in_the_admin_and_see_it_listed(app, staff_client):
    response = post_form(staff_client, "/admin/discounts/new", {
        "code": "sorry5", "kind": "amount", "amount": "5.00", "min_subtotal": "20",
        "starts_at": "2026-12-01T09:00", "max_uses": "50", "active": "1",
        "note": "Apology for late parcels"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/discounts/SORRY5")
    with app.app_context():
        code = db.session.scalar(select(DiscountCode))
        assert (code.code, code.kind, code.value, code.min_subtotal_pence, code.max_uses) == (
            "SORRY5", "amount", 500, 2000, 50)
        assert code.starts_at.isoformat() == "2026-12-01T09:00:00+00:00"  # GMT in December
    html = staff_client.get("/admin/discounts/").get_data(as_text=True)
    assert "SORRY5" in html and "£5.00 off" in html and "scheduled" in html
    page = staff_client.get("/admin/discounts/sorry5").get_data(as_text=True)
    assert 'value="2026-12-01T09:00"' in page and "discount.create" in page


#: A new code's form with four fields wrong (the clocks skip 01:30 that night), and what the
#: page says of each.
WRONG_FORM = {"code": "x", "kind": "percent", "percent": "150", "starts_at": "2026-03-29T01:30",
              "max_uses": "lots"}
WRONG_FORM_SAYS = [
    "The code must be 3 to 32 letters",
    "The value must be a percentage from 1 to 100.",
    "The start does not exist in UK time",
    "Total uses must be a whole number.",
]


def test_the_form_explains_what_is_wrong_and_saves_nothing(app, staff_client):
    create_discount(app, "TAKEN", "percent", 10)
    response = post_form(staff_client, "/admin/discounts/new", WRONG_FORM)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert [said for said in WRONG_FORM_SAYS if said not in html] == []
    taken = post_form(staff_client, "/admin/discounts/new",
                      {"code": "taken", "kind": "free_delivery"})
    assert taken.status_code == 409 and "TAKEN exists already" in taken.get_data(as_text=True)
    assert len(stored(app)) == 1


def test_staff_edit_and_deactivate_a_code_and_the_audit_log_keeps_both(app, staff_client):
    create_discount(app, "SPRING", "percent", 10)
    response = post_form(staff_client, "/admin/discounts/SPRING", {
        "code": "SPRING", "kind": "percent", "percent": "20", "active": "1",
        "ends_at": "2026-06-01T00:00"})
    assert response.status_code == 303
    post_form(staff_client, "/admin/discounts/SPRING", {"active": "0"},
              to="/admin/discounts/SPRING/active")
    assert stored(app)[0][2:5] == (20, None, False)
    assert [action for action, _ in audit(app)] == ["discount.update", "discount.update"]
    html = staff_client.get("/admin/discounts/SPRING").get_data(as_text=True)
    assert "Reactivate" in html and "percent" in html


def test_an_unknown_code_page_is_a_404(staff_client):
    assert staff_client.get("/admin/discounts/NOPE").status_code == 404


@pytest.mark.usefixtures("stripe_webhooks")
def test_the_code_page_lists_its_orders_and_the_order_page_names_the_code(app, staff_client):
    create_discount(app, "SORRY5", "amount", 500)
    shopper = app.test_client()
    shopper.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 2})
    shopper.post("/api/v1/basket/discount", json={"code": "sorry5"})
    number = shopper.post("/api/v1/checkout", json={
        "email": "ada@example.com", "name": "Ada",
        "address": {"line1": "1 Lane", "city": "Bath", "postcode": "BA1 1AA"},
    }).get_json()["order"]["number"]
    code_page = staff_client.get("/admin/discounts/SORRY5").get_data(as_text=True)
    assert number in code_page and "ada@example.com" in code_page
    order_page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert "SORRY5" in order_page and "−£5.00" in order_page
