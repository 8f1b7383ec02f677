"""The storefront's pages: home, catalogue with filter/search/pages, and product detail."""

import re

import pytest
from flask.testing import FlaskClient

pytestmark = pytest.mark.usefixtures("catalogue")

PROMISES = [
    "Live Chat 8am - 8pm",
    "FREE Next Day Delivery on orders over £25",
    "FREE lifetime support",
]


@pytest.mark.parametrize("path", ["/", "/products/", "/products/live-milk-kefir-grains", "/blog/"])
def test_every_page_header_carries_the_three_promises_and_the_chat_indicator(client, path):
    html = client.get(path).get_data(as_text=True)
    for promise in PROMISES:
        assert promise in html
    assert re.search(r'data-chat-status="(online|offline)"', html)


def test_every_free_delivery_promise_names_the_configured_threshold(app, database_url, clock):
    from shop import create_app
    from shop.extensions import db

    configured = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                             "CLOCK": clock, "FREE_DELIVERY_OVER_PENCE": 4000})
    html = configured.test_client().get("/").get_data(as_text=True)
    with configured.app_context():
        db.engine.dispose()
    # The page's description, the header's promise, the home page's list and the footer.
    assert html.count("on orders over £40") == 4
    assert "£25" not in html and "£40.00" not in html


def test_home_page_shows_featured_products_with_prices(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    assert "Organic Whole Milk Kefir 500ml" in html
    assert "£4.50" in html
    assert "From the blog" in html


def test_catalogue_lists_the_first_page_and_links_to_the_next(client: FlaskClient):
    html = client.get("/products/").get_data(as_text=True)
    assert "21 products" in html
    assert html.count('class="card"') == 12
    assert 'rel="next" href="/products/?page=2"' in html


def test_second_catalogue_page_holds_the_rest(client: FlaskClient):
    html = client.get("/products/?page=2").get_data(as_text=True)
    assert html.count('class="card"') == 9


def test_category_filter_shows_only_that_category(client: FlaskClient):
    html = client.get("/products/?category=water-kefir").get_data(as_text=True)
    assert "5 products" in html
    assert "Elderflower Water Kefir" in html
    assert "Organic Whole Milk Kefir" not in html


def test_search_finds_products_by_words_in_name_or_description(client: FlaskClient):
    html = client.get("/products/?q=COCONUT").get_data(as_text=True)
    assert "Coconut Water Kefir 330ml" in html
    assert "1 product matching" in html


def test_search_treats_like_wildcards_as_plain_text(client: FlaskClient):
    html = client.get("/products/?q=%25").get_data(as_text=True)
    assert "0 products" in html


def test_search_text_is_escaped_in_the_page(client: FlaskClient):
    html = client.get("/products/?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("query", "status"),
    [("page=0", 400), ("page=-1", 400), ("page=abc", 400), ("page=1.5", 400),
     ("page=99999999999999999999", 400), ("page=3", 404), ("category=nope", 404),
     ("q=" + "x" * 201, 400)],
)
def test_bad_catalogue_queries_get_a_clear_4xx_page(client: FlaskClient, query, status):
    response = client.get(f"/products/?{query}")
    assert response.status_code == status
    assert "text/html" in response.content_type
    assert "Traceback" not in response.get_data(as_text=True)


def test_product_page_shows_price_stock_and_description(client: FlaskClient):
    html = client.get("/products/live-milk-kefir-grains").get_data(as_text=True)
    assert "<h1>Live Milk Kefir Grains</h1>" in html
    assert 'data-price-pence="1200">£12.00<' in html
    assert 'data-stock="35"' in html and "In stock" in html
    assert "free lifetime support" in html


def test_product_with_no_stock_says_out_of_stock(client: FlaskClient):
    html = client.get("/products/kefir-skyr-style-450g").get_data(as_text=True)
    assert "Out of stock" in html


def test_product_with_little_stock_says_how_many_are_left(client: FlaskClient):
    assert "only 3 left" in client.get("/products/kefir-recipe-book").get_data(as_text=True)


def test_unknown_product_is_a_404_page(client: FlaskClient):
    response = client.get("/products/no-such-thing")
    assert response.status_code == 404
    assert "We could not find that product." in response.get_data(as_text=True)


def test_inactive_product_is_hidden_from_the_storefront(app, client: FlaskClient):
    from sqlalchemy import update

    from shop.extensions import db
    from shop.models import Product

    with app.app_context():
        hide = update(Product).where(Product.slug == "kefir-soap-bar").values(active=False)
        db.session.execute(hide)
        db.session.commit()
    assert client.get("/products/kefir-soap-bar").status_code == 404
    assert "Kefir &amp; Oat Soap Bar" not in client.get("/products/?page=2").get_data(as_text=True)


def test_a_nul_character_in_a_search_finds_nothing_rather_than_failing(client: FlaskClient):
    response = client.get("/products/?q=kefir%00")
    assert response.status_code == 200
    assert "0 products" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/products/kefir%00soap-bar", "/products/?category=water%00kefir"]
)
def test_a_nul_character_in_a_slug_is_simply_not_found(client: FlaskClient, path):
    assert client.get(path).status_code == 404
