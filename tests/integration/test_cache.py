"""Shared figures: catalogue counts and product details, in Redis when it is configured so
servers share them, and forgotten at once when the admin changes what they show."""

import re
import uuid

import pytest
from flask import Flask
from sqlalchemy import select, update

from shop import create_app
from shop.extensions import db
from shop.models import Product

pytestmark = pytest.mark.usefixtures("catalogue")


def hide(app: Flask, slug: str) -> None:
    with app.app_context():
        db.session.execute(update(Product).where(Product.slug == slug).values(active=False))
        db.session.commit()


def total(app: Flask, query: str = "") -> int:
    return app.test_client().get(f"/api/v1/products?{query}").get_json()["total"]


def test_catalogue_count_is_reused_for_its_time_to_live(app: Flask):
    app.config["CATALOGUE_CACHE_TTL"] = 60
    assert total(app) == 21
    hide(app, "kefir-soap-bar")
    assert total(app) == 21  # still the cached count
    assert total(app, "q=colloidal") == 0  # another query has its own count
    app.config["CATALOGUE_CACHE_TTL"] = 0
    assert total(app) == 20


def test_app_servers_share_the_cached_count_through_redis(app: Flask, redis_url: str):
    settings = {"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"],
                "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "CATALOGUE_CACHE_TTL": 60}
    first, second = create_app(settings), create_app(settings)
    assert total(first) == 21
    hide(app, "kefir-soap-bar")
    assert total(second) == 21  # counted by the first server, read from Redis
    with second.app_context():
        db.engine.dispose()
    with first.app_context():
        db.engine.dispose()


def test_product_cards_and_categories_read_back_from_redis_make_the_same_page(
    app: Flask, redis_url: str
):
    settings = {"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"],
                "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "CATALOGUE_CACHE_TTL": 60}
    first, second = create_app(settings), create_app(settings)
    cards = first.test_client().get("/products/").get_data(as_text=True)  # stored
    shown = re.findall(r'href="/products/([a-z0-9-]+)"', cards)
    hide(app, shown[0])
    again = second.test_client().get("/products/").get_data(as_text=True)  # read from Redis
    assert re.findall(r'href="/products/([a-z0-9-]+)"', again) == shown
    category_links = r'<a href="/products/\?category=[a-z0-9-]+">[^<]+</a>'
    assert len(re.findall(category_links, cards)) >= 3
    assert re.findall(category_links, again) == re.findall(category_links, cards)
    for server in (first, second):
        with server.app_context():
            db.engine.dispose()


def test_an_unreachable_redis_makes_the_cache_miss_not_the_page_fail(app: Flask):
    broken = create_app({"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"],
                         "REDIS_URL": "redis://127.0.0.1:1/0", "CATALOGUE_CACHE_TTL": 60})
    response = broken.test_client().get("/products/")
    assert response.status_code == 200
    assert "21 products" in response.get_data(as_text=True)
    with broken.app_context():
        db.engine.dispose()


def product_page_reads(app: Flask, client, path: str, times: int) -> int:
    """How many statements `times` visits to `path` send to the database."""
    from sqlalchemy import event

    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for _ in range(times):
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_a_product_page_in_demand_reads_the_database_once_per_page_cache_ttl(app: Flask):
    client = app.test_client()
    assert product_page_reads(app, client, "/products/live-milk-kefir-grains", 5) == 1
    app.config["PAGE_CACHE_TTL"] = 0
    assert product_page_reads(app, client, "/products/live-milk-kefir-grains", 2) == 2


def test_an_admin_stock_change_shows_on_the_product_page_at_once(app: Flask, clock):
    from shop.admin.audit import Actor
    from shop.admin.catalogue import adjust_stock

    client = app.test_client()
    assert 'data-stock="3"' in client.get("/products/kefir-recipe-book").get_data(as_text=True)
    with app.app_context():
        book = db.session.scalar(select(Product).where(Product.slug == "kefir-recipe-book"))
        adjust_stock(book, -2, Actor(None, "cli"), clock.now())
    page = client.get("/products/kefir-recipe-book").get_data(as_text=True)
    assert 'data-stock="1"' in page and "only 1 left" in page


def test_a_change_that_rolls_back_leaves_the_shared_details_in_place(app: Flask):
    from shop.catalogue.queries import forget_product, product_details

    with app.test_request_context():
        shared = product_details("kefir-recipe-book")
        db.session.execute(update(Product).where(Product.slug == "kefir-recipe-book")
                           .values(price_pence=1))
        forget_product("kefir-recipe-book")
        db.session.rollback()
        db.session.execute(update(Product).where(Product.slug == "kefir-recipe-book")
                           .values(price_pence=2))
        db.session.commit()  # a later commit does not forget for the rolled-back change
        assert product_details("kefir-recipe-book") == shared


def test_an_admin_change_on_one_server_shows_at_once_on_another_through_redis(
    app: Flask, redis_url: str, clock
):
    from shop.admin.audit import Actor
    from shop.admin.catalogue import update_product

    settings = {"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"],
                "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "PAGE_CACHE_TTL": 60}
    first, second = create_app(settings), create_app(settings)
    path = "/products/kefir-soap-bar"
    assert "£9.99" not in second.test_client().get(path).get_data(as_text=True)
    with first.app_context():
        soap = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        update_product(soap, {"price_pence": 999}, Actor(None, "cli"), clock.now())
        db.engine.dispose()
    assert "£9.99" in second.test_client().get(path).get_data(as_text=True)
    with second.app_context():
        db.engine.dispose()


@pytest.mark.usefixtures("localstripe")
def test_stock_an_order_takes_and_gives_back_shows_on_the_product_page_at_once(app: Flask, clock):
    from datetime import date, timedelta

    from shop.checkout.orders import expire_unpaid
    from shop.checkout.service import create_order
    from shop.domain.customer import validate_customer
    from shop.payments import gateway

    client = app.test_client()
    stock = lambda: client.get("/products/kefir-recipe-book").get_data(as_text=True)  # noqa: E731
    assert 'data-stock="3"' in stock()
    customer, errors = validate_customer(
        {"email": "ada@example.com", "name": "Ada Lovelace",
         "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
    )
    with app.app_context():
        book = db.session.scalar(select(Product).where(Product.slug == "kefir-recipe-book"))
        create_order(customer, [(book, 2)], 395, date(2026, 11, 25), date(2026, 11, 26),
                     clock.now(), payments=gateway())
    assert 'data-stock="1"' in stock()  # reserved by the unpaid order
    clock.at += timedelta(minutes=31)
    with app.app_context():
        assert len(expire_unpaid(clock.now())) == 1
    assert 'data-stock="3"' in stock()  # released when it expired unpaid
