"""First visits (no cookie) share a page rendered once per change, each with its own token."""

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask, template_rendered
from sqlalchemy import select

from blog.seed import seed_blog
from shop.admin.audit import Actor
from shop.admin.catalogue import update_product
from shop.cache import LocalCache
from shop.domain import LONDON
from shop.extensions import db
from shop.models import Product

pytestmark = pytest.mark.usefixtures("catalogue")

PRODUCT = "/products/live-milk-kefir-grains"
STOREFRONT = ["/", "/products/", "/products/?category=grains-starter-kits", PRODUCT]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def renders(app: Flask, path: str, visits: int) -> int:
    """How many pages were rendered for `visits` first visits to `path`."""
    rendered = []
    record = lambda sender, template, context, **extra: rendered.append(template.name)  # noqa: E731
    client = app.test_client(use_cookies=False)
    with template_rendered.connected_to(record, app):
        for _ in range(visits):
            assert client.get(path).status_code == 200
    return len([name for name in rendered if not name.startswith("_")])


@pytest.mark.parametrize("path", STOREFRONT)
def test_a_page_is_rendered_once_for_any_number_of_first_visits(app: Flask, path):
    assert renders(app, path, 1) == 1
    assert renders(app, path, 3) == 0


def test_each_first_visit_gets_its_own_token_and_a_cookie_that_makes_it_valid(app: Flask):
    first, second = app.test_client(), app.test_client()
    tokens = [TOKEN.search(c.get(PRODUCT).get_data(as_text=True))[1] for c in (first, second)]
    assert tokens[0] != tokens[1]
    assert "csrf-token-of-this-visit" not in tokens
    form = {"csrf_token": tokens[1], "slug": "live-milk-kefir-grains", "quantity": "1"}
    assert first.post("/basket/items", data=form).status_code == 400  # not the first's token
    assert second.post("/basket/items", data=form).status_code == 303


def test_a_returning_visitor_is_rendered_in_full(app: Flask):
    client = app.test_client()
    client.get(PRODUCT)  # the session cookie of this visit's token
    rendered = []
    record = lambda sender, template, context, **extra: rendered.append(template.name)  # noqa: E731
    with template_rendered.connected_to(record, app):
        client.get(PRODUCT)
        client.get(PRODUCT)
    assert rendered.count("catalogue/product.html") == 2


def test_each_first_visit_counts_down_from_its_own_instant(app: Flask, clock):
    client = app.test_client(use_cookies=False)
    clock.at = datetime(2026, 11, 25, 10, 0, 5, tzinfo=LONDON)
    early = client.get(PRODUCT).get_data(as_text=True)
    clock.at += timedelta(seconds=30)
    later = client.get(PRODUCT).get_data(as_text=True)
    assert f'data-now="{datetime(2026, 11, 25, 10, 0, 5, tzinfo=LONDON).isoformat()}"' in early
    assert f'data-now="{clock.at.isoformat()}"' in later
    assert "Order within 4 h for" in early and "Order within 4 h for" in later
    clock.at += timedelta(minutes=1)
    assert "Order within 3 h 59 min" in client.get(PRODUCT).get_data(as_text=True)


def set_price(app: Flask, clock, pence: int) -> None:
    """Change PRODUCT's price as staff do."""
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.slug == PRODUCT.split("/")[-1]))
        update_product(product, {"price_pence": pence}, Actor(None, "cli"), clock.now())


def test_a_first_visit_sees_a_price_change_at_once(app: Flask, clock):
    client = app.test_client(use_cookies=False)
    assert "£12.00" in client.get(PRODUCT).get_data(as_text=True)
    set_price(app, clock, 999)
    assert "£9.99" in client.get(PRODUCT).get_data(as_text=True)


def test_a_first_visit_to_the_catalogue_sees_a_new_price_once_its_cards_are_read_again(
    app: Flask, clock
):
    app.config["CATALOGUE_CACHE_TTL"] = 0  # the cards are read afresh on every visit
    client = app.test_client(use_cookies=False)
    assert "£12.00" in client.get("/products/").get_data(as_text=True)
    set_price(app, clock, 999)
    page = client.get("/products/").get_data(as_text=True)
    assert "£9.99" in page and "£12.00" not in page


def test_a_first_visit_sees_live_chat_open_at_eight(app: Flask, clock):
    client = app.test_client(use_cookies=False)
    clock.at = datetime(2026, 11, 25, 7, 59, tzinfo=LONDON)
    assert 'data-chat-status="offline"' in client.get("/").get_data(as_text=True)
    clock.at = datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)
    assert 'data-chat-status="online"' in client.get("/").get_data(as_text=True)


def test_a_first_visit_to_an_article_sees_its_products_new_price_once_the_article_expires(
    app: Flask, clock
):
    article = "/blog/how-kefir-effects-your-mood-and-mental-health"
    with app.app_context():
        seed_blog(db.session)
        db.session.commit()
    client = app.test_client(use_cookies=False)
    assert "£12.00" in client.get(article).get_data(as_text=True)
    set_price(app, clock, 999)
    # The post was not edited: its shared parts live out their time (CATALOGUE_CACHE_TTL).
    app.extensions["shop_cache"] = LocalCache()
    page = client.get(article).get_data(as_text=True)
    assert "£9.99" in page and "£12.00" not in page
