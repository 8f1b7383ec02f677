"""The basket API: the caller's basket by cookie, problem+json errors, bad input stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from shop.extensions import db
from shop.models import Basket, BasketLine, Product

pytestmark = pytest.mark.usefixtures("catalogue")

GRAINS = "live-milk-kefir-grains"  # £12.00, 35 in stock
GINGER = "ginger-lemon-water-kefir-330ml"  # £2.75, 80 in stock
BOOK = "kefir-recipe-book"  # £14.99, 3 in stock
SKYR = "kefir-skyr-style-450g"  # out of stock


def add(client: FlaskClient, slug: str, quantity: object):
    return client.post("/api/v1/basket/items", json={"slug": slug, "quantity": quantity})


def stored(app: Flask) -> list[tuple[int, str, int]]:
    """Every basket line in the database, to prove bad input changed nothing."""
    with app.app_context():
        rows = db.session.execute(
            select(BasketLine.basket_id, Product.slug, BasketLine.quantity)
            .join(Product)
            .order_by(BasketLine.id)
        )
        baskets = len(db.session.scalars(select(Basket)).all())
        return [tuple(row) for row in rows] + [("baskets", baskets, 0)]


def set_product(app: Flask, slug: str, **values) -> None:
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == slug).values(**values))
        db.session.commit()


def test_a_new_visitor_has_an_empty_basket_and_no_cookie(client: FlaskClient):
    response = client.get("/api/v1/basket")
    assert response.status_code == 200
    assert response.get_json() == {
        "items": [],
        "subtotal_pence": 0,
        "delivery": {"service": "next_day", "price_pence": 395, "free": False,
                     "free_over_pence": 2500, "amount_to_free_pence": 2501},
        "total_pence": 395,
        "count": 0,
        "can_checkout": False,
        "discount": None,
        "discount_pence": 0,
        "discount_problem": None,
    }
    assert "Set-Cookie" not in response.headers or "basket=" not in response.headers["Set-Cookie"]


def test_adding_an_item_answers_201_with_the_priced_basket(client: FlaskClient):
    response = add(client, GRAINS, 2)
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/basket")
    body = response.get_json()
    assert body["items"] == [{
        "slug": GRAINS, "name": "Live Milk Kefir Grains", "quantity": 2, "unit_price_pence": 1200,
        "line_total_pence": 2400, "stock_available": 35, "problem": None,
    }]
    assert body["subtotal_pence"] == 2400 and body["total_pence"] == 2795
    assert body["delivery"]["amount_to_free_pence"] == 101 and body["delivery"]["free"] is False
    assert body["count"] == 2 and body["can_checkout"] is True
    assert client.get("/api/v1/basket").get_json() == body


def test_the_basket_cookie_is_signed_httponly_lax_and_lasts_30_days(client: FlaskClient):
    cookie = add(client, GRAINS, 1).headers["Set-Cookie"]
    assert cookie.startswith("basket=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Max-Age=2592000" in cookie
    assert "Secure" not in cookie  # only in production, over HTTPS


def test_a_forged_or_tampered_cookie_is_a_new_empty_basket(app: Flask, client: FlaskClient):
    add(client, GRAINS, 1)
    value = client.get_cookie("basket").value
    token = value.rsplit(".", 1)[0]
    other = app.test_client()
    other.set_cookie("basket", token + ".forged")
    assert other.get("/api/v1/basket").get_json()["items"] == []
    other.set_cookie("basket", token)
    assert other.get("/api/v1/basket").get_json()["items"] == []
    other.set_cookie("basket", value)
    assert other.get("/api/v1/basket").get_json()["count"] == 1


def test_adding_the_same_product_again_adds_to_its_line(client: FlaskClient):
    add(client, GRAINS, 2)
    body = add(client, GRAINS, 3).get_json()
    assert [(i["slug"], i["quantity"]) for i in body["items"]] == [(GRAINS, 5)]


def test_lines_keep_the_order_they_were_added_in(client: FlaskClient):
    add(client, GINGER, 1)
    add(client, GRAINS, 1)
    body = add(client, GINGER, 1).get_json()
    assert [i["slug"] for i in body["items"]] == [GINGER, GRAINS]


def test_delivery_is_charged_at_exactly_25_pounds_and_free_at_25_pounds_01(
    app: Flask, client: FlaskClient
):
    set_product(app, GINGER, price_pence=1250)
    at_25 = add(client, GINGER, 2).get_json()
    assert at_25["subtotal_pence"] == 2500
    assert at_25["delivery"]["price_pence"] == 395 and at_25["delivery"]["free"] is False
    assert at_25["delivery"]["amount_to_free_pence"] == 1 and at_25["total_pence"] == 2895
    set_product(app, GINGER, price_pence=1251)
    over = client.get("/api/v1/basket").get_json()
    assert over["subtotal_pence"] == 2502
    assert over["delivery"]["price_pence"] == 0 and over["delivery"]["free"] is True
    assert over["delivery"]["amount_to_free_pence"] == 0 and over["total_pence"] == 2502


def test_the_basket_always_shows_todays_price(app: Flask, client: FlaskClient):
    add(client, GRAINS, 2)
    set_product(app, GRAINS, price_pence=1000)
    body = client.get("/api/v1/basket").get_json()
    assert body["items"][0]["unit_price_pence"] == 1000 and body["subtotal_pence"] == 2000


def test_patch_sets_a_quantity_and_zero_removes_the_line(client: FlaskClient):
    add(client, GRAINS, 1)
    add(client, GINGER, 1)
    response = client.patch(f"/api/v1/basket/items/{GRAINS}", json={"quantity": 3})
    assert response.status_code == 200
    assert [(i["slug"], i["quantity"]) for i in response.get_json()["items"]] == [
        (GRAINS, 3), (GINGER, 1)]
    body = client.patch(f"/api/v1/basket/items/{GRAINS}", json={"quantity": 0}).get_json()
    assert [i["slug"] for i in body["items"]] == [GINGER]


def test_delete_removes_a_line(client: FlaskClient):
    add(client, GRAINS, 1)
    add(client, GINGER, 2)
    response = client.delete(f"/api/v1/basket/items/{GRAINS}")
    assert response.status_code == 200
    assert [i["slug"] for i in response.get_json()["items"]] == [GINGER]
    again = client.delete(f"/api/v1/basket/items/{GRAINS}")
    assert again.status_code == 404 and again.mimetype == "application/problem+json"


def test_adding_beyond_stock_is_409_and_says_how_many_are_left(app: Flask, client: FlaskClient):
    add(client, BOOK, 2)
    before = stored(app)
    response = add(client, BOOK, 2)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "only 3 left" in response.get_json()["detail"]
    assert "already have 2" in response.get_json()["detail"]
    assert stored(app) == before


def test_a_first_add_beyond_stock_is_409_and_creates_no_basket(app: Flask, client: FlaskClient):
    before = stored(app)
    response = add(client, BOOK, 4)
    assert response.status_code == 409
    assert stored(app) == before
    assert "basket=" not in response.headers.get("Set-Cookie", "")


def test_an_out_of_stock_product_cannot_be_added(app: Flask, client: FlaskClient):
    response = add(client, SKYR, 1)
    assert response.status_code == 409 and "out of stock" in response.get_json()["detail"]
    assert stored(app) == [("baskets", 0, 0)]


def test_patching_beyond_stock_is_409_and_changes_nothing(app: Flask, client: FlaskClient):
    add(client, BOOK, 1)
    before = stored(app)
    response = client.patch(f"/api/v1/basket/items/{BOOK}", json={"quantity": 4})
    assert response.status_code == 409 and "only 3 left" in response.get_json()["detail"]
    assert stored(app) == before


def test_no_line_can_pass_99_even_with_plenty_in_stock(app: Flask, client: FlaskClient):
    set_product(app, GINGER, stock=500)
    assert add(client, GINGER, 99).status_code == 201
    before = stored(app)
    response = add(client, GINGER, 1)
    assert response.status_code == 409 and "at most 99" in response.get_json()["detail"]
    too_many = client.patch(f"/api/v1/basket/items/{GINGER}", json={"quantity": 100})
    assert too_many.status_code == 422
    assert stored(app) == before


BAD_ADDS = [
    ({"slug": GRAINS, "quantity": 0}, 422),
    ({"slug": GRAINS, "quantity": -1}, 422),
    ({"slug": GRAINS, "quantity": 1.5}, 422),
    ({"slug": GRAINS, "quantity": "2"}, 422),
    ({"slug": GRAINS, "quantity": 10**12}, 422),
    ({"slug": GRAINS, "quantity": 100}, 422),
    ({"slug": GRAINS, "quantity": True}, 422),
    ({"slug": GRAINS, "quantity": None}, 422),
    ({"slug": GRAINS, "quantity": [1]}, 422),
    ({"slug": GRAINS}, 422),
    ({"quantity": 1}, 422),
    ({}, 422),
    ({"slug": 42, "quantity": 1}, 422),
    ({"slug": "", "quantity": 1}, 422),
    ({"slug": "x" * 500, "quantity": 1}, 422),
    ({"slug": "no-such-kefir", "quantity": 1}, 404),
    ([GRAINS, 1], 422),
    ("add please", 422),
]


@pytest.mark.parametrize(
    ("body", "status"), BAD_ADDS, ids=[json.dumps(b)[:40] for b, _ in BAD_ADDS]
)
def test_bad_adds_are_refused_and_leave_the_basket_unchanged(
    app: Flask, client: FlaskClient, body, status
):
    add(client, GINGER, 1)
    before = stored(app)
    response = client.post("/api/v1/basket/items", json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["detail"] and problem["type"] == "about:blank"
    assert stored(app) == before


BAD_PATCHES = [
    ({"quantity": -1}, 422),
    ({"quantity": 1.5}, 422),
    ({"quantity": "2"}, 422),
    ({"quantity": 10**12}, 422),
    ({"quantity": False}, 422),
    ({}, 422),
    ({"qty": 2}, 422),
]


@pytest.mark.parametrize(
    ("body", "status"), BAD_PATCHES, ids=[json.dumps(b) for b, _ in BAD_PATCHES]
)
def test_bad_patches_are_refused_and_leave_the_basket_unchanged(
    app: Flask, client: FlaskClient, body, status
):
    add(client, GINGER, 2)
    before = stored(app)
    response = client.patch(f"/api/v1/basket/items/{GINGER}", json=body)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert stored(app) == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_unknown_or_absent_lines_are_404(app: Flask, client: FlaskClient, method):
    add(client, GINGER, 1)
    before = stored(app)
    kwargs = {"json": {"quantity": 1}} if method == "patch" else {}
    for slug in ("no-such-kefir", GRAINS):
        response = getattr(client, method)(f"/api/v1/basket/items/{slug}", **kwargs)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert stored(app) == before


def test_changing_a_line_without_any_basket_is_404(app: Flask):
    fresh = app.test_client()
    assert fresh.patch(f"/api/v1/basket/items/{GINGER}", json={"quantity": 1}).status_code == 404
    assert fresh.delete(f"/api/v1/basket/items/{GINGER}").status_code == 404
    assert stored(app) == [("baskets", 0, 0)]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ('{"slug": "live-milk-kefir-grains", "quantity": 1', "application/json", 400),
        ("{'slug': 'x'}", "application/json", 400),
        ("", "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        ("[" * 100_000, "application/json", 400),
        ('{"slug": "live-milk-kefir-grains", "quantity": NaN}', "application/json", 422),
        ('{"slug": "live-milk-kefir-grains", "quantity": 1e400}', "application/json", 422),
        ('{"slug": "live-milk-kefir-grains", "quantity": 1}', "text/plain", 415),
        ("slug=live-milk-kefir-grains&quantity=1", "application/x-www-form-urlencoded", 415),
        ('{"slug": "live-milk-kefir-grains", "quantity": 1}', None, 415),
    ],
    ids=["truncated", "single-quotes", "empty", "not-utf8", "deeply-nested", "NaN", "huge-float",
         "text-plain", "form-encoded", "no-content-type"],
)
def test_unreadable_bodies_and_wrong_content_types_are_refused(
    app: Flask, client: FlaskClient, data, content_type, status
):
    add(client, GINGER, 1)
    before = stored(app)
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/api/v1/basket/items", data=data, headers=headers)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    patched = client.patch(f"/api/v1/basket/items/{GINGER}", data=data, headers=headers)
    assert patched.status_code == status
    assert stored(app) == before


def test_json_with_a_charset_is_still_json(client: FlaskClient):
    response = client.post(
        "/api/v1/basket/items",
        data=json.dumps({"slug": GINGER, "quantity": 1}),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_lines_that_cannot_be_sold_are_flagged_and_block_checkout(app: Flask, client: FlaskClient):
    add(client, GRAINS, 1)
    add(client, GINGER, 2)
    add(client, BOOK, 3)
    set_product(app, GRAINS, active=False)
    set_product(app, GINGER, stock=0)
    set_product(app, BOOK, stock=2)
    body = client.get("/api/v1/basket").get_json()
    problems = {item["slug"]: item["problem"] for item in body["items"]}
    assert problems[GRAINS].startswith("No longer available")
    assert problems[GINGER].startswith("Out of stock")
    assert problems[BOOK].startswith("Only 2 left")
    assert body["can_checkout"] is False
    # Lowering the quantity and removing the others clears every problem.
    client.patch(f"/api/v1/basket/items/{BOOK}", json={"quantity": 2})
    client.delete(f"/api/v1/basket/items/{GRAINS}")
    body = client.patch(f"/api/v1/basket/items/{GINGER}", json={"quantity": 0}).get_json()
    assert [item["problem"] for item in body["items"]] == [None]
    assert body["can_checkout"] is True


def test_an_unavailable_line_cannot_be_raised_but_can_be_removed(app: Flask, client: FlaskClient):
    add(client, GRAINS, 1)
    set_product(app, GRAINS, active=False)
    assert add(client, GRAINS, 1).status_code == 404
    response = client.patch(f"/api/v1/basket/items/{GRAINS}", json={"quantity": 2})
    assert response.status_code == 409 and "no longer available" in response.get_json()["detail"]
    assert client.delete(f"/api/v1/basket/items/{GRAINS}").get_json()["items"] == []


def test_a_basket_untouched_for_30_days_is_forgotten(app: Flask, client: FlaskClient, clock):
    add(client, GRAINS, 1)
    clock.at += timedelta(days=29, hours=23)
    assert client.get("/api/v1/basket").get_json()["count"] == 1
    client.patch(f"/api/v1/basket/items/{GRAINS}", json={"quantity": 2})  # renews the 30 days
    clock.at += timedelta(days=29, hours=23)
    assert client.get("/api/v1/basket").get_json()["count"] == 2
    clock.at += timedelta(days=1)
    assert client.get("/api/v1/basket").get_json()["items"] == []
    assert add(client, GINGER, 1).get_json()["count"] == 1


def test_each_visitor_sees_only_their_own_basket(app: Flask, client: FlaskClient):
    add(client, GRAINS, 1)
    other = app.test_client()
    add(other, GINGER, 4)
    assert [i["slug"] for i in client.get("/api/v1/basket").get_json()["items"]] == [GRAINS]
    assert other.delete(f"/api/v1/basket/items/{GRAINS}").status_code == 404
    assert client.get("/api/v1/basket").get_json()["count"] == 1


# The delivery-estimate API ------------------------------------------------------------------


def test_the_estimate_defaults_to_the_app_clock(client: FlaskClient):
    body = client.get("/api/v1/delivery/estimate").get_json()
    assert body["order_by"] == "2026-11-25T14:00:00+00:00"
    assert body["dispatch_date"] == "2026-11-25" and body["delivery_date"] == "2026-11-26"
    assert body["label"] == "Order within 2 h 15 min for delivery on Thursday 26 November"


@pytest.mark.parametrize(
    ("at", "order_by", "dispatch", "delivery"),
    [
        ("2026-11-27T10:00:00+00:00", "2026-11-27T14:00:00+00:00", "2026-11-27", "2026-11-28"),
        ("2026-11-27T14:00:00Z", "2026-11-30T14:00:00+00:00", "2026-11-30", "2026-12-01"),
        ("2026-12-24T10:00:00+00:00", "2026-12-24T14:00:00+00:00", "2026-12-24", "2026-12-29"),
        ("2026-07-01T13:30:00+01:00", "2026-07-01T14:00:00+01:00", "2026-07-01", "2026-07-02"),
        ("2026-07-01T13:30:00+00:00", "2026-07-02T14:00:00+01:00", "2026-07-02", "2026-07-03"),
    ],
)
def test_the_estimate_answers_for_any_instant(
    client: FlaskClient, at, order_by, dispatch, delivery
):
    response = client.get("/api/v1/delivery/estimate", query_string={"at": at})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["order_by"], body["dispatch_date"], body["delivery_date"]) == (
        order_by, dispatch, delivery)
    assert body["timezone"] == "Europe/London"


@pytest.mark.parametrize(("at", "status"), [("soon", 400), ("2026-11-25T10:00:00", 422)])
def test_the_estimate_refuses_unreadable_or_naive_instants(client: FlaskClient, at, status):
    response = client.get("/api/v1/delivery/estimate", query_string={"at": at})
    assert response.status_code == status and response.mimetype == "application/problem+json"


# The OpenAPI document -----------------------------------------------------------------------


def test_the_openapi_document_describes_every_basket_call(client: FlaskClient):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert set(paths["/basket"]) == {"get"}
    assert set(paths["/basket/items"]) == {"post"}
    assert {"patch", "delete"} <= set(paths["/basket/items/{slug}"])
    assert set(paths["/delivery/estimate"]) == {"get"}
    responses = set(paths["/basket/items"]["post"]["responses"])
    assert responses >= {"201", "400", "404", "409", "415", "422"}
    schemas = doc["components"]["schemas"]
    assert set(schemas["Basket"]["required"]) == {
        "items", "subtotal_pence", "delivery", "total_pence"}
    assert set(schemas["DeliveryEstimate"]["required"]) == {
        "order_by", "dispatch_date", "delivery_date"}


def test_answers_carry_exactly_the_fields_the_openapi_document_declares(client: FlaskClient):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    basket = add(client, GRAINS, 1).get_json()
    estimate = client.get("/api/v1/delivery/estimate").get_json()
    for body, name in [(basket, "Basket"), (basket["delivery"], "Delivery"),
                       (basket["items"][0], "BasketItem"), (estimate, "DeliveryEstimate")]:
        schema = schemas[name]
        assert set(schema["required"]) <= set(body) <= set(schema["properties"]), name


def test_a_quantity_written_as_1_point_0_counts_as_one(client):
    # JSON (and the OpenAPI schema's "integer") does not tell 1.0 from 1.
    response = client.post("/api/v1/basket/items", json={"slug": GRAINS, "quantity": 1.0})
    assert response.status_code == 201
    assert response.get_json()["items"][0]["quantity"] == 1
