"""Several app servers behind a load balancer share everything through PostgreSQL and Redis.

Two gunicorn processes, as two machines would run them, on one PostgreSQL and one Redis:
whatever one server knows about a client, the other must know too.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator

import pytest

from shop import create_app
from shop.catalogue.seed import seed_catalogue
from shop.extensions import db
from tests.factories import TEST_SECRET_KEY, empty_schema

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, str, dict]:
    """GET a URL; the status, body and headers, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def shared_database(postgres_url: str) -> Iterator[str]:
    """The PostgreSQL test database with the shop's tables and the demo catalogue."""
    app = create_app({"SECRET_KEY": TEST_SECRET_KEY, "DATABASE_URL": postgres_url})
    with empty_schema(app):
        with app.app_context():
            seed_catalogue(db.session)
            db.session.commit()
        yield postgres_url


@pytest.fixture
def two_servers(
    serve: Callable[..., str], shared_database: str, redis_url: str
) -> tuple[str, str]:
    """Two app servers on one database and one Redis, with a small API budget."""
    settings = {
        "DATABASE_URL": shared_database,
        "REDIS_URL": redis_url,
        "API_RATE_LIMIT": "10 per hour",
        # This run's own counters, so no earlier run (or other user of the DB) interferes.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    return serve(settings), serve(settings)


def test_two_app_servers_share_one_api_rate_limit_through_redis(two_servers):
    a, b = two_servers
    answers = [get(f"{server}/api/v1/products?per_page=1") for server in (a, b) * 6]
    statuses = [status for status, _, _ in answers]
    # Five requests to each server: neither reached 10 on its own, yet the shared
    # budget of 10 is spent, so both servers refuse the next request.
    assert statuses == [200] * 10 + [429, 429]
    assert all(json.loads(body)["total"] == 21 for _, body, _ in answers[:10])
    for _, body, headers in answers[10:]:
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["status"] == 429
        assert int(headers["Retry-After"]) > 0


def test_a_basket_filled_on_one_app_server_is_read_back_on_the_other(
    serve: Callable[..., str], shared_database: str, redis_url: str
):
    settings = {"DATABASE_URL": shared_database, "REDIS_URL": redis_url}
    a, b = serve(settings), serve(settings)
    add = urllib.request.Request(
        f"{a}/api/v1/basket/items",
        data=json.dumps({"slug": "live-milk-kefir-grains", "quantity": 2}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(add, timeout=10) as response:
        assert response.status == 201
        cookie = response.headers["Set-Cookie"].split(";")[0]
    read = urllib.request.Request(f"{b}/api/v1/basket", headers={"Cookie": cookie})
    with urllib.request.urlopen(read, timeout=10) as response:
        basket = json.loads(response.read())
    assert [(i["slug"], i["quantity"]) for i in basket["items"]] == [("live-milk-kefir-grains", 2)]
    assert basket["subtotal_pence"] == 2400


def test_metrics_add_up_the_requests_of_every_gunicorn_worker(
    serve: Callable[..., str], tmp_path
):
    url = serve(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.sqlite3'}",
            "METRICS_ENABLED": "true",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        },
        workers=2,
    )
    for _ in range(20):
        assert get(f"{url}/api/v1/chat/status")[0] == 200
    status, text, headers = get(f"{url}/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    counted = re.search(
        r'shop_http_requests_total\{endpoint="api.chat_status",method="GET",status="200"\} (\S+)',
        text,
    )
    assert counted and float(counted.group(1)) == 20.0
