"""The admin JSON API: bearer tokens only, the forms' validation, problem+json errors."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.admin.models import ApiToken, AuditEntry
from shop.extensions import db
from shop.models import Product
from tests.factories import place_paid_order

pytestmark = pytest.mark.usefixtures("catalogue")

#: Every admin API call: method and path.
CALLS = [
    ("GET", "/api/v1/admin/products"),
    ("POST", "/api/v1/admin/products"),
    ("GET", "/api/v1/admin/products/kefir-soap-bar"),
    ("PATCH", "/api/v1/admin/products/kefir-soap-bar"),
    ("DELETE", "/api/v1/admin/products/kefir-soap-bar"),
    ("GET", "/api/v1/admin/posts"),
    ("POST", "/api/v1/admin/posts"),
    ("GET", "/api/v1/admin/posts/some-post"),
    ("PATCH", "/api/v1/admin/posts/some-post"),
    ("DELETE", "/api/v1/admin/posts/some-post"),
    ("GET", "/api/v1/admin/orders"),
    ("POST", "/api/v1/admin/orders/KS-000001/refund"),
]


def call(client: FlaskClient, method: str, path: str, token: str | None = None, body=None,
         **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        kwargs.setdefault("data", json.dumps(body))
        kwargs.setdefault("content_type", "application/json")
    return client.open(path, method=method, headers=headers, **kwargs)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- Authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_every_call_without_a_token_is_401_with_a_bearer_challenge(
    client: FlaskClient, method, path
):
    response = call(client, method, path, body={})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_every_call_refuses_a_made_up_token(client: FlaskClient, admin_token, method, path):
    assert_problem(call(client, method, path, token="ks_" + "x" * 43, body={}), 401)
    assert_problem(call(client, method, path, token=admin_token[:-1], body={}), 401)


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_a_signed_in_browser_session_is_not_enough(admin_client: FlaskClient, method, path):
    assert_problem(call(admin_client, method, path, body={}), 401)


def test_a_revoked_token_stops_working(app: Flask, client: FlaskClient, staff_token):
    assert call(client, "GET", "/api/v1/admin/orders", staff_token).status_code == 200
    with app.app_context():
        db.session.scalar(select(ApiToken)).revoked_at = app.config["CLOCK"].now()
        db.session.commit()
    assert_problem(call(client, "GET", "/api/v1/admin/orders", staff_token), 401)


def test_a_token_records_when_it_was_last_used(app: Flask, client: FlaskClient, staff_token, clock):
    call(client, "GET", "/api/v1/admin/products", staff_token)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) == clock.now()


def test_staff_tokens_cannot_refund(client: FlaskClient, staff_token):
    body = assert_problem(
        call(client, "POST", "/api/v1/admin/orders/KS-000001/refund", staff_token, {}), 403)
    assert "admin" in body["detail"]


# --- Products --------------------------------------------------------------------------------


def test_products_are_listed_with_stock_and_active_and_filtered(client, staff_token):
    body = call(client, "GET", "/api/v1/admin/products?per_page=100", staff_token).get_json()
    assert body["total"] == 21 and len(body["items"]) == 21
    soap = next(p for p in body["items"] if p["slug"] == "kefir-soap-bar")
    assert soap["stock"] == 40 and soap["active"] is True and soap["price_pence"] == 650
    low = call(client, "GET", "/api/v1/admin/products?low_stock=5", staff_token).get_json()
    assert {p["slug"] for p in low["items"]} == {"kefir-recipe-book", "kefir-skyr-style-450g"}
    assert_problem(call(client, "GET", "/api/v1/admin/products?active=maybe", staff_token), 400)
    assert_problem(call(client, "GET", "/api/v1/admin/products?per_page=0", staff_token), 422)


def test_a_product_is_created_and_shown_to_customers(app, client: FlaskClient, staff_token):
    response = call(client, "POST", "/api/v1/admin/products", staff_token,
                    {"name": "Kefir Cheese 200g", "category": "milk-kefir", "price_pence": 650,
                     "stock": 12})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/admin/products/kefir-cheese-200g"
    body = response.get_json()
    assert body["slug"] == "kefir-cheese-200g" and body["stock"] == 12 and body["active"] is True
    assert client.get("/api/v1/products/kefir-cheese-200g").get_json()["price_pence"] == 650
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.create"))
        assert (entry.via, entry.actor) == ("api", "packer@kefirshop.example")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "milk-kefir", "price_pence": 650}, "name"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 6.5}, "price_pence"),
        ({"name": "X", "category": "milk-kefir", "price_pence": "650"}, "price_pence"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 0}, "price_pence"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 650, "stock": -1}, "stock"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 650, "stock": True}, "stock"),
        ({"name": "X", "category": "cheese", "price_pence": 650}, "category"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 650, "colour": "red"}, "colour"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 650, "slug": "A B"}, "slug"),
        ({"name": "X", "category": "milk-kefir", "price_pence": 650, "active": "yes"}, "active"),
    ],
)
def test_invalid_product_values_are_422_naming_the_field(app, client, staff_token, body, field):
    problem = assert_problem(call(client, "POST", "/api/v1/admin/products", staff_token, body), 422)
    assert field in problem["errors"]
    with app.app_context():
        assert db.session.scalar(select(Product).where(Product.name == "X")) is None


def test_a_slug_in_use_is_a_conflict(client: FlaskClient, staff_token):
    body = {"name": "Soap", "slug": "kefir-soap-bar", "category": "skincare-gifts",
            "price_pence": 500}
    assert_problem(call(client, "POST", "/api/v1/admin/products", staff_token, body), 409)
    assert_problem(call(client, "PATCH", "/api/v1/admin/products/kefir-recipe-book", staff_token,
                        {"slug": "kefir-soap-bar"}), 409)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/admin/products"), ("PATCH", "/api/v1/admin/products/kefir-soap-bar"),
     ("POST", "/api/v1/admin/posts"), ("PATCH", "/api/v1/admin/posts/p"),
     ("POST", "/api/v1/admin/orders/KS-000001/refund")],
)
def test_writes_need_a_json_object_sent_as_json(app, client, admin_token, method, path):
    with app.app_context():
        from blog.models import Post

        db.session.add(Post(slug="p", title="P"))
        db.session.commit()
    assert_problem(call(client, method, path, admin_token, data="{", content_type="text/plain"),
                   415)
    assert_problem(call(client, method, path, admin_token, data="{not json",
                        content_type="application/json"), 400)
    # Valid JSON that is not an object is an invalid value, as everywhere in the API.
    assert_problem(call(client, method, path, admin_token, body=["a", "list"]), 422)


def test_price_stock_and_active_are_patched(app, client: FlaskClient, staff_token):
    response = call(client, "PATCH", "/api/v1/admin/products/kefir-soap-bar", staff_token,
                    {"price_pence": 699, "stock": 100, "expected_stock": 40, "active": False})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["price_pence"], body["stock"], body["active"]) == (699, 100, False)
    assert client.get("/api/v1/products/kefir-soap-bar").status_code == 404
    assert call(client, "GET", "/api/v1/admin/products/kefir-soap-bar",
                staff_token).get_json()["active"] is False
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "product"))
        assert entry.changes == {"price_pence": [650, 699], "stock": [40, 100],
                                 "active": [True, False]}


def test_a_product_read_from_the_api_can_be_sent_back_unchanged(client, staff_token):
    product = call(client, "GET", "/api/v1/admin/products/kefir-soap-bar", staff_token).get_json()
    response = call(client, "PATCH", "/api/v1/admin/products/kefir-soap-bar", staff_token, product)
    assert response.status_code == 200 and response.get_json() == product


def test_unknown_products_are_404(client: FlaskClient, staff_token):
    for method in ("GET", "PATCH", "DELETE"):
        assert_problem(call(client, method, "/api/v1/admin/products/nope", staff_token,
                            body={} if method == "PATCH" else None), 404)


def test_a_product_never_ordered_is_deleted(app, client: FlaskClient, staff_token):
    response = call(client, "DELETE", "/api/v1/admin/products/kefir-soap-bar", staff_token)
    assert response.status_code == 204
    assert_problem(call(client, "GET", "/api/v1/admin/products/kefir-soap-bar", staff_token), 404)


@pytest.mark.usefixtures("stripe_webhooks")
def test_an_ordered_product_cannot_be_deleted_only_deactivated(app, clock, client, staff_token):
    place_paid_order(app, clock, {"kefir-soap-bar": 1})
    problem = assert_problem(
        call(client, "DELETE", "/api/v1/admin/products/kefir-soap-bar", staff_token), 409)
    assert '{"active": false}' in problem["detail"]
    assert call(client, "GET", "/api/v1/admin/products/kefir-soap-bar",
                staff_token).status_code == 200


# --- Posts -----------------------------------------------------------------------------------


def test_a_post_is_created_published_edited_and_deleted(app, clock, client, staff_token):
    response = call(client, "POST", "/api/v1/admin/posts", staff_token,
                    {"title": "Kefir and your mood", "body_markdown": "It *works*.",
                     "excerpt": "Short.", "tags": ["mood"], "products": ["kefir-soap-bar"]})
    assert response.status_code == 201
    post = response.get_json()
    assert post == {
        "title": "Kefir and your mood", "slug": "kefir-and-your-mood",
        "body_markdown": "It *works*.", "published": False, "excerpt": "Short.",
        "author": "packer@kefirshop.example", "tags": ["mood"], "products": ["kefir-soap-bar"],
        "published_at": None, "updated_at": clock.now().isoformat(),
        "url": "http://localhost/blog/kefir-and-your-mood"}
    assert client.get("/blog/kefir-and-your-mood").status_code == 404
    patched = call(client, "PATCH", "/api/v1/admin/posts/kefir-and-your-mood", staff_token,
                   {"published": True}).get_json()
    assert patched["published"] is True and patched["published_at"] == clock.now().isoformat()
    assert "<em>works</em>" in client.get("/blog/kefir-and-your-mood").get_data(as_text=True)
    listed = call(client, "GET", "/api/v1/admin/posts?published=true", staff_token).get_json()
    assert [p["slug"] for p in listed["items"]] == ["kefir-and-your-mood"]
    assert call(client, "DELETE", "/api/v1/admin/posts/kefir-and-your-mood",
                staff_token).status_code == 204
    assert_problem(call(client, "GET", "/api/v1/admin/posts/kefir-and-your-mood", staff_token),
                   404)


def test_invalid_posts_are_refused(client: FlaskClient, staff_token):
    assert "title is required" in assert_problem(
        call(client, "POST", "/api/v1/admin/posts", staff_token, {"body_markdown": "x"}),
        422)["detail"]
    assert "Unknown product(s): nope" in assert_problem(
        call(client, "POST", "/api/v1/admin/posts", staff_token,
             {"title": "T", "products": ["nope"]}), 422)["detail"]
    call(client, "POST", "/api/v1/admin/posts", staff_token, {"title": "Twice"})
    assert_problem(call(client, "POST", "/api/v1/admin/posts", staff_token, {"title": "Twice"}),
                   409)


# --- Orders ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("stripe_webhooks")
def test_orders_are_listed_and_an_admin_refunds_one(app, clock, client, admin_token):
    number = place_paid_order(app, clock, {"kefir-soap-bar": 2})
    body = call(client, "GET", "/api/v1/admin/orders?status=paid", admin_token).get_json()
    assert [o["number"] for o in body["items"]] == [number]
    assert body["items"][0]["total_pence"] == 1695 and body["items"][0]["name"] == "Ada Lovelace"
    assert call(client, "GET", "/api/v1/admin/orders?status=refunded",
                admin_token).get_json()["total"] == 0
    assert_problem(call(client, "GET", "/api/v1/admin/orders?status=lost", admin_token), 400)
    response = call(client, "POST", f"/api/v1/admin/orders/{number}/refund", admin_token,
                    {"restock": True})
    assert response.status_code == 200 and response.get_json()["status"] == "refunded"
    assert response.get_json()["refund_state"] == "pending"  # made by the jobs
    with app.app_context():
        soap = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        assert soap.stock == 40
    assert_problem(call(client, "POST", f"/api/v1/admin/orders/{number}/refund", admin_token), 409)
    assert_problem(call(client, "POST", "/api/v1/admin/orders/KS-999999/refund", admin_token), 404)
    assert_problem(call(client, "POST", f"/api/v1/admin/orders/{number}/refund", admin_token,
                        {"restock": "yes"}), 422)


def test_the_openapi_document_describes_the_admin_api_and_its_bearer_tokens(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for method, path in CALLS:
        template = path.removeprefix("/api/v1").replace("kefir-soap-bar", "{slug}").replace(
            "some-post", "{slug}").replace("KS-000001", "{number}")
        operation = doc["paths"][template][method.lower()]
        assert operation["security"] == [{"bearerAuth": []}]
        assert "401" in operation["responses"]
