"""The basket without JavaScript: forms with CSRF tokens, post-redirect-get, and what pages say."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from shop.domain import LONDON
from shop.extensions import db
from shop.models import BasketLine, Product

pytestmark = pytest.mark.usefixtures("catalogue")

GRAINS = "live-milk-kefir-grains"  # £12.00, 35 in stock
GINGER = "ginger-lemon-water-kefir-330ml"  # £2.75
BOOK = "kefir-recipe-book"  # £14.99, 3 in stock
SKYR = "kefir-skyr-style-450g"  # out of stock


def csrf_token(client: FlaskClient, path: str = "/products/") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def add_by_form(client: FlaskClient, slug: str, quantity: str = "1", **extra):
    data = {"csrf_token": csrf_token(client), "slug": slug, "quantity": quantity, **extra}
    return client.post("/basket/items", data=data)


def lines(app: Flask) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Product.slug, BasketLine.quantity).join(Product).order_by(BasketLine.id)
        )
        return [tuple(row) for row in rows]


def text(html: str) -> str:
    """The page's words, tags and runs of space removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def page(client: FlaskClient, path: str) -> str:
    return text(client.get(path).get_data(as_text=True))


def test_adding_from_a_form_redirects_to_the_basket_and_says_so(app: Flask, client: FlaskClient):
    response = add_by_form(client, GRAINS, "2")
    assert response.status_code == 303 and response.headers["Location"] == "/basket"
    assert "basket=" in response.headers["Set-Cookie"]
    words = page(client, "/basket")
    assert "Added 2 × Live Milk Kefir Grains to your basket." in words
    assert lines(app) == [(GRAINS, 2)]


def test_a_form_post_without_a_csrf_token_is_400_and_changes_nothing(
    app: Flask, client: FlaskClient
):
    add_by_form(client, GRAINS, "2")
    for path, data in [
        ("/basket/items", {"slug": GINGER, "quantity": "1"}),
        (f"/basket/items/{GRAINS}", {"quantity": "5"}),
        (f"/basket/items/{GRAINS}/remove", {}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
        forged = client.post(path, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 400
    assert lines(app) == [(GRAINS, 2)]


def test_the_basket_page_shows_lines_totals_progress_and_the_estimate(client: FlaskClient):
    add_by_form(client, GRAINS, "1")
    add_by_form(client, GINGER, "3")
    html = client.get("/basket").get_data(as_text=True)
    words = text(html)
    assert "Live Milk Kefir Grains" in words and "£12.00 each" in words
    assert "Ginger &amp; Lemon Water Kefir 330ml" in words and "£8.25" in words
    assert "Subtotal (4 items) £20.25" in words
    assert "Next-day delivery £3.95" in words and "Total £24.20" in words
    assert "Add £4.76 more for FREE next-day delivery" in words
    assert re.search(r'<progress[^>]*max="2501" value="2025"', html)
    assert "Order within 2 h 15 min for delivery on Thursday 26 November" in words
    assert 'href="/checkout"' in html


def test_free_delivery_shows_as_free_with_a_full_bar(client: FlaskClient):
    add_by_form(client, GRAINS, "3")
    html = client.get("/basket").get_data(as_text=True)
    words = text(html)
    assert "Next-day delivery FREE" in words and "Total £36.00" in words
    assert "Your basket qualifies for FREE next-day delivery" in words
    assert re.search(r'<progress[^>]*max="2501" value="2501"', html)


def test_an_empty_basket_says_so_and_points_to_the_shop(client: FlaskClient):
    words = page(client, "/basket")
    assert "Your basket is empty." in words and "Shop all kefir" in words
    assert "Spend over £25.00 for FREE next-day delivery" in words


def test_the_header_counts_units_in_the_basket_on_every_page(client: FlaskClient):
    assert re.search(r"data-basket-count>0<", client.get("/").get_data(as_text=True))
    add_by_form(client, GRAINS, "2")
    add_by_form(client, GINGER, "1")
    for path in ("/", "/products/", f"/products/{GINGER}", "/basket", "/blog/", "/nope"):
        assert "data-basket-count>3<" in client.get(path).get_data(as_text=True), path


def test_updating_a_quantity_from_the_basket_page(app: Flask, client: FlaskClient):
    add_by_form(client, GRAINS, "1")
    token = csrf_token(client, "/basket")
    response = client.post(f"/basket/items/{GRAINS}", data={"csrf_token": token, "quantity": "4"})
    assert response.status_code == 303 and response.headers["Location"] == "/basket"
    assert lines(app) == [(GRAINS, 4)]
    assert "Live Milk Kefir Grains: quantity now 4." in page(client, "/basket")


def test_a_quantity_of_zero_or_the_remove_button_takes_a_line_out(
    app: Flask, client: FlaskClient
):
    add_by_form(client, GRAINS, "1")
    add_by_form(client, GINGER, "1")
    token = csrf_token(client, "/basket")
    client.post(f"/basket/items/{GRAINS}", data={"csrf_token": token, "quantity": "0"})
    assert lines(app) == [(GINGER, 1)]
    client.post(f"/basket/items/{GINGER}/remove", data={"csrf_token": token})
    assert lines(app) == []
    words = page(client, "/basket")
    assert "Removed Ginger &amp; Lemon Water Kefir 330ml from your basket." in words


def test_the_steppers_post_the_next_quantity_without_javascript(client: FlaskClient):
    add_by_form(client, GRAINS, "2")
    html = client.get("/basket").get_data(as_text=True)
    assert re.search(rf'form="step-{GRAINS}" name="quantity" value="1"', html)
    assert re.search(rf'form="step-{GRAINS}" name="quantity" value="3"', html)
    assert f'<form id="step-{GRAINS}" method="post" action="/basket/items/{GRAINS}"' in html


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "two", "", "100", "9" * 20, "²"])
def test_a_bad_quantity_in_the_add_form_is_explained_and_changes_nothing(
    app: Flask, client: FlaskClient, quantity
):
    add_by_form(client, GINGER, "1")
    response = add_by_form(client, GRAINS, quantity, next=f"/products/{GRAINS}")
    assert response.status_code == 303 and response.headers["Location"] == f"/products/{GRAINS}"
    assert "quantity" in page(client, f"/products/{GRAINS}").lower()
    assert lines(app) == [(GINGER, 1)]


def test_adding_more_than_the_stock_explains_how_many_are_left(app: Flask, client: FlaskClient):
    response = add_by_form(client, BOOK, "4", next=f"/products/{BOOK}")
    assert response.headers["Location"] == f"/products/{BOOK}"
    words = page(client, f"/products/{BOOK}")
    assert "Sorry, we have only 3 left of The Kefir Kitchen Recipe Book." in words
    assert lines(app) == []


def test_raising_a_line_beyond_stock_explains_and_keeps_the_quantity(
    app: Flask, client: FlaskClient
):
    add_by_form(client, BOOK, "2")
    token = csrf_token(client, "/basket")
    client.post(f"/basket/items/{BOOK}", data={"csrf_token": token, "quantity": "5"})
    assert "only 3 left" in page(client, "/basket")
    assert lines(app) == [(BOOK, 2)]


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_way_back_after_a_failed_add_never_leaves_the_site(client: FlaskClient, target):
    response = add_by_form(client, "no-such-kefir", "1", next=target)
    assert response.status_code == 303 and response.headers["Location"] == "/basket"


def test_unavailable_lines_are_flagged_and_checkout_is_withheld(app: Flask, client: FlaskClient):
    add_by_form(client, GRAINS, "1")
    add_by_form(client, BOOK, "3")
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == GRAINS).values(active=False))
        db.session.execute(update(Product).where(Product.slug == BOOK).values(stock=1))
        db.session.commit()
    html = client.get("/basket").get_data(as_text=True)
    words = text(html)
    assert "No longer available. Please remove it to check out." in words
    assert "Only 1 left. Please lower the quantity to check out." in words
    assert 'href="/checkout"' not in html and "Some items cannot be bought as they are" in words
    assert f'href="/products/{GRAINS}"' not in html  # its page is gone too


def test_a_product_page_offers_the_basket_and_shows_the_estimate(client: FlaskClient):
    html = client.get(f"/products/{GRAINS}").get_data(as_text=True)
    assert 'action="/basket/items"' in html and 'name="csrf_token"' in html
    assert re.search(r'name="quantity" type="number"[^>]*max="35"', html)
    words = text(html)
    assert "Order within 2 h 15 min for delivery on Thursday 26 November" in words
    assert "Spend over £25.00 for FREE next-day delivery" in words


def test_a_product_page_says_how_far_the_basket_is_from_free_delivery(client: FlaskClient):
    add_by_form(client, GRAINS, "1")
    assert "Add £13.01 more for FREE next-day delivery" in page(client, f"/products/{GINGER}")
    add_by_form(client, GRAINS, "2")
    assert "Your basket qualifies for FREE next-day delivery" in page(client, f"/products/{GINGER}")


def test_out_of_stock_products_offer_no_add_button(client: FlaskClient):
    assert 'action="/basket/items"' not in client.get(f"/products/{SKYR}").get_data(as_text=True)
    listing = client.get("/products/?category=milk-kefir").get_data(as_text=True)
    assert f'value="{SKYR}"' not in listing and f'value="{GRAINS}"' not in listing
    assert 'value="organic-whole-milk-kefir-500ml"' in listing


def test_catalogue_cards_post_one_unit_and_come_back_here_on_failure(client: FlaskClient):
    html = client.get("/products/?page=2").get_data(as_text=True)
    form = re.search(r'<form id="add-to-basket".*?</form>', html, re.S).group(0)
    assert 'name="quantity" value="1"' in form
    assert 'name="next" value="/products/?page=2"' in form


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (datetime(2026, 11, 27, 14, 0, tzinfo=LONDON),
         "Order by 2pm on Monday for delivery on Tuesday 1 December"),
        (datetime(2026, 11, 27, 9, 30, tzinfo=LONDON),
         "Order within 4 h 30 min for delivery on Saturday 28 November"),
        (datetime(2026, 12, 24, 10, 0, tzinfo=LONDON),
         "Order within 4 h for delivery on Tuesday 29 December"),
    ],
)
def test_pages_read_the_estimate_from_the_app_clock(client: FlaskClient, clock, at, words):
    clock.at = at
    assert words in page(client, f"/products/{GRAINS}")
    add_by_form(client, GRAINS, "1")
    assert words in page(client, "/basket")


def test_a_configured_fee_and_threshold_reach_the_pages(catalogue, database_url, clock, tmp_path):
    from shop import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                      "CLOCK": clock, "DELIVERY_FEE_PENCE": 499, "FREE_DELIVERY_OVER_PENCE": 4000})
    client = app.test_client()
    add_by_form(client, GRAINS, "3")
    words = page(client, "/basket")
    with app.app_context():
        db.engine.dispose()
    assert "Next-day delivery £4.99" in words and "Add £4.01 more for FREE" in words


def test_an_out_of_stock_product_promises_no_delivery_date(client: FlaskClient):
    assert "for delivery on" not in page(client, f"/products/{SKYR}")


def test_a_form_token_lasts_as_long_as_the_session_not_an_hour(app: Flask):
    # A product page left open over lunch must still add to the basket.
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
