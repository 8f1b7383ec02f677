"""Catalogue counts are cached briefly, in Redis when it is configured so servers share them."""

import uuid

import pytest
from flask import Flask
from sqlalchemy import update

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


def test_an_unreachable_redis_makes_the_cache_miss_not_the_page_fail(app: Flask):
    broken = create_app({"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"],
                         "REDIS_URL": "redis://127.0.0.1:1/0", "CATALOGUE_CACHE_TTL": 60})
    response = broken.test_client().get("/products/")
    assert response.status_code == 200
    assert "21 products" in response.get_data(as_text=True)
    with broken.app_context():
        db.engine.dispose()
