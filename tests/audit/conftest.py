"""The audit tier: the demo shop under gunicorn, as `make run` serves it, for the browser
audits (Lighthouse, the Nu Html Checker, axe-core)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shop import create_app
from shop.extensions import db
from tests.factories import TEST_SECRET_KEY
from tests.machine import AppServers


@dataclass(frozen=True)
class DemoShop:
    url: str
    #: Slugs to fill page paths with: {"product": ..., "post": ...} (post once one exists).
    slugs: dict[str, str]
    #: A Cookie header for a basket holding the demo product, for pages that need one.
    basket_cookie: str


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoShop]:
    """The demo shop (`seed-demo` into a fresh SQLite database) served as `make run` serves it."""
    from bench.targets import DEMO_PRODUCT
    from blog.queries import latest_teaser

    folder = tmp_path_factory.mktemp("demo-shop")
    url = f"sqlite:///{folder / 'shop.sqlite3'}"
    app = create_app({"SECRET_KEY": TEST_SECRET_KEY, "DATABASE_URL": url})
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        post = latest_teaser()
        slugs = {"product": DEMO_PRODUCT, **({"post": post.slug} if post else {})}
        db.engine.dispose()
    servers = AppServers(folder)
    base = servers.start({"DATABASE_URL": url}, workers=2)
    add = urllib.request.Request(
        f"{base}/api/v1/basket/items", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"slug": DEMO_PRODUCT, "quantity": 2}).encode(),
    )
    with urllib.request.urlopen(add, timeout=10) as response:
        assert response.status == 201
        cookie = "; ".join(value.split(";", 1)[0]
                           for value in response.headers.get_all("Set-Cookie"))
    yield DemoShop(base, slugs, cookie)
    servers.stop()
