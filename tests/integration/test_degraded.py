"""When a service the shop leans on is down or hangs, every wait is bounded and the shop
degrades: pages serve without Redis, checkout refuses without Stripe, email waits for SMTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from shop import create_app
from shop.extensions import db
from shop.mail import deliver_outbox, queue_email
from shop.models import Order, OutboxEmail, Product
from shop.payments import PaymentError, StripeGateway
from tests.servers import black_hole, free_port

PAGES = ["/", "/products/", "/products/live-milk-kefir-grains", "/basket",
         "/api/v1/products?per_page=2", "/healthz"]
DETAILS = {"email": "ada@example.com", "name": "Ada Lovelace",
           "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}


@pytest.fixture(params=["refused", "hangs"])
def dead_redis(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Redis URL whose server refuses connections, or accepts them and never answers."""
    if request.param == "refused":
        yield f"redis://127.0.0.1:{free_port()}/0"
    else:
        with black_hole() as port:
            yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def without_redis(app: Flask, dead_redis: str) -> Iterator[Flask]:
    """The shop on the test database, configured for a Redis that does not work."""
    shop = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": app.config["DATABASE_URL"],
                       "REDIS_URL": dead_redis, "CATALOGUE_CACHE_TTL": 30,
                       "API_RATE_LIMIT": "8 per minute"})
    yield shop
    with shop.app_context():
        db.engine.dispose()


@pytest.mark.usefixtures("catalogue")
def test_pages_serve_and_limits_hold_locally_when_redis_is_down(without_redis: Flask):
    client = without_redis.test_client()
    started = time.monotonic()
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    # A hung Redis costs its half-second timeout once per cache and once for the limiter,
    # then this process keeps its own cache and counts its own limits.
    assert time.monotonic() - started < 5
    # The API's budget of 8 (one spent on the products above) is still enforced, here.
    statuses = [client.get("/api/v1/chat/status").status_code for _ in range(8)]
    assert statuses == [200] * 7 + [429]


@pytest.fixture
def unreachable_stripe(app: Flask) -> None:
    """The real Stripe SDK, pointed at a port where nothing listens."""
    app.extensions["payments"] = StripeGateway(
        "sk_test_kefir_shop", "pk_test_kefir_shop", "whsec_x",
        api_base=f"http://127.0.0.1:{free_port()}", sandbox=True,
    )


def stock(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.stock).where(Product.slug == "kefir-soap-bar"))


@pytest.mark.usefixtures("catalogue", "unreachable_stripe")
def test_checkout_answers_503_and_holds_no_stock_when_stripe_is_unreachable(app: Flask):
    client = app.test_client()
    before = stock(app)
    client.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 3})
    started = time.monotonic()
    response = client.post("/api/v1/checkout", json=DETAILS)
    assert time.monotonic() - started < 5  # refused at once, tried once more, given up
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "nothing was charged" in response.get_json()["detail"]
    assert stock(app) == before
    with app.app_context():
        assert db.session.scalars(select(Order.status)).all() == ["payment_failed"]


@pytest.mark.usefixtures("catalogue", "unreachable_stripe")
def test_the_checkout_form_says_so_when_stripe_is_unreachable(app: Flask):
    from tests.factories import form_csrf_token

    client = app.test_client()
    client.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 1})
    form = {"email": "ada@example.com", "name": "Ada Lovelace", "line1": "1 Kefir Lane",
            "city": "Bath", "postcode": "BA1 1AA",
            "csrf_token": form_csrf_token(client, "/checkout")}
    response = client.post("/checkout", data=form)
    assert response.status_code == 503
    assert "could not reach our payment provider" in response.get_data(as_text=True)
    assert stock(app) == 40


def test_a_stripe_that_hangs_is_given_up_on_within_the_bound():
    with black_hole() as port:
        gateway = StripeGateway("sk_test_kefir_shop", "pk", "whsec_x",
                                api_base=f"http://127.0.0.1:{port}")
        started = time.monotonic()
        with pytest.raises(PaymentError):
            gateway.create_intent(1045, "KS-000001")
        waited = time.monotonic() - started
    # Two tries of 10 s each and a short pause between them: inside gunicorn's 30 s.
    assert 20 <= waited < 25


def test_an_smtp_server_that_hangs_costs_one_timeout_and_the_email_waits(app: Flask, clock):
    with app.app_context():
        queue_email("ada@example.com", "Hello", "Body")
        db.session.commit()
    with black_hole() as port:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=1)
        started = time.monotonic()
        with app.app_context():
            assert deliver_outbox(clock.now) == 0
        assert time.monotonic() - started < 3
    with app.app_context():
        email = db.session.scalar(select(OutboxEmail))
        assert "timed out" in email.last_error
        assert email.sent_at is None and email.dead_at is None and email.next_attempt_at
