"""`make run` on a fresh clone: the shop's jobs run beside gunicorn with nothing else set up.

An order left unpaid expires by itself, with no page visited, and the confirmation and expiry
emails appear under the email folder without anyone running a command.
"""

from __future__ import annotations

import email
import email.policy
import json
import time
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import stripe
from sqlalchemy import create_engine, text

from shop import create_app
from shop.extensions import db
from tests.factories import WEBHOOK_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("localstripe")]

CUSTOMER = {"email": "ada@example.com", "name": "Ada Lovelace",
            "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}


def checkout(base: str, slug: str, quantity: int) -> dict:
    """A new visitor fills a basket and checks out through the API: the answer."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    post("/api/v1/basket/items", {"slug": slug, "quantity": quantity})
    return post("/api/v1/checkout", CUSTOMER)


def emails(folder: Path) -> dict[str, email.message.EmailMessage]:
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(folder.glob("*.eml"))]
    return {message["Subject"]: message for message in messages}


def test_an_unpaid_order_expires_by_itself_and_both_emails_arrive_with_no_command(
    serve: Callable[..., str], localstripe: str, tmp_path: Path
):
    database = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    setup = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": database})
    for command in (["db", "upgrade"], ["seed-demo"]):  # what `make run` does first
        assert setup.test_cli_runner().invoke(args=command).exit_code == 0
    with setup.app_context():
        db.engine.dispose()
    folder = tmp_path / "emails"
    base = serve({"DATABASE_URL": database, "EMAIL_DIR": str(folder), "EMBEDDED_WORKER": "1",
                  "STRIPE_API_BASE": localstripe,
                  "ORDER_EXPIRY_MINUTES": "1", "LOG_LEVEL": "INFO"}, workers=2)
    urllib.request.urlopen(urllib.request.Request(localstripe + "/_config/data",
                                                  method="DELETE"))
    urllib.request.urlopen(localstripe + "/_config/webhooks/embedded-worker",
                           data=f"url={base}/stripe/webhook&secret={WEBHOOK_SECRET}".encode())

    abandoned = checkout(base, "kefir-soap-bar", 2)["order"]["number"]
    paid = checkout(base, "kefir-recipe-book", 1)
    number = paid["order"]["number"]
    sdk = stripe.StripeClient("sk_test_kefir_shop", base_addresses={"api": localstripe})
    card = sdk.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    intent = paid["payment"]["payment_intent_id"]
    sdk.v1.payment_intents.update(intent, params={"payment_method": card.id})
    sdk.v1.payment_intents.confirm(intent)

    # Nobody visits a page from here on: the worker expires the order (its minute's hold,
    # then at most a minute until the next run) and sends both emails.
    confirmation = f"Your Kefir Shop order {number}"
    expiry = f"Your Kefir Shop order {abandoned} has expired"
    deadline = time.monotonic() + 150
    while not {confirmation, expiry} <= set(emails(folder)):
        assert time.monotonic() < deadline, f"emails so far: {list(emails(folder))}"
        time.sleep(1)
    assert "We have received your payment" in emails(folder)[confirmation].get_content()
    assert "Nothing was charged" in emails(folder)[expiry].get_content()
    engine = create_engine(database)
    with engine.connect() as conn:
        orders = {number: (status, intent) for number, status, intent in conn.execute(
            text("SELECT number, status, payment_intent_id FROM orders"))}
        stock = conn.execute(text("SELECT stock FROM products WHERE slug = 'kefir-soap-bar'"))
        assert stock.scalar() == 40  # the abandoned order's two bars are back on sale
    engine.dispose()
    assert {n: status for n, (status, _) in orders.items()} == {
        abandoned: "expired", number: "paid"}
    # Its PaymentIntent was cancelled, so it can never be paid later.
    assert sdk.v1.payment_intents.retrieve(orders[abandoned][1]).status == "canceled"
