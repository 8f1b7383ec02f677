"""Background jobs on huey: on a schedule, on demand after a commit, one at a time per job,
and run by the worker that `make run` starts beside the web server."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import stripe
from flask import Flask
from huey import RedisExpireHuey, SqliteHuey
from huey.exceptions import TaskLockedException
from sqlalchemy import select, update

from shop import ROOT, create_app
from shop.checkout.service import create_order
from shop.domain.customer import validate_customer
from shop.extensions import db
from shop.jobs import queue, queue_url
from shop.mail import queue_email
from shop.models import Order, OutboxEmail, Product
from shop.payments import gateway
from tests.factories import WEBHOOK_SECRET
from tests.servers import SmtpSink, free_port, race


def place_unpaid(app: Flask, clock, slug: str = "kefir-soap-bar", quantity: int = 2) -> str:
    """An order waiting for payment, with its PaymentIntent open in localstripe: its number."""
    customer, errors = validate_customer(
        {"email": "ada@example.com", "name": "Ada Lovelace",
         "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
    )
    assert not errors
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.slug == slug))
        order = create_order(customer, [(product, quantity)], 395, date(2026, 11, 25),
                             date(2026, 11, 26), clock.now(), payments=gateway())
        return order.number


def status_and_intent(app: Flask, number: str) -> tuple[str, str]:
    with app.app_context():
        query = select(Order.status, Order.payment_intent_id).where(Order.number == number)
        return tuple(db.session.execute(query).one())


def outbox(app: Flask) -> list[OutboxEmail]:
    with app.app_context():
        emails = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return emails


def test_expiry_email_and_refunds_run_every_minute_and_the_basket_purge_once_a_day():
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "JOBS_URL": "memory://"})
    huey = queue(app).huey
    runs: dict[str, list[datetime]] = {}
    minute = datetime(2026, 11, 25)
    for _ in range(24 * 60):
        for task in huey.read_periodic(minute):
            runs.setdefault(task.name, []).append(minute)
        minute += timedelta(minutes=1)
    assert len(runs["expire-orders"]) == len(runs["send-emails"]) == 24 * 60
    assert len(runs["finish-refunds"]) == 24 * 60
    assert runs["purge-baskets"] == [datetime(2026, 11, 25, 3, 30)]


def test_the_queue_is_redis_when_there_is_one_else_sqlite_beside_the_database(tmp_path):
    def url(**config) -> str:
        settings = {"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/shop.sqlite3"}
        return queue_url(create_app(settings | config))

    assert url() == f"sqlite:///{tmp_path}/shop.jobs.sqlite3"
    assert url(REDIS_URL="redis://cache:6379/0") == "redis://cache:6379/0"
    assert url(REDIS_URL="redis://cache:6379/0", JOBS_URL="redis://jobs:6379/1") == (
        "redis://jobs:6379/1")
    postgres = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgresql+psycopg://db/shop"})
    assert queue_url(postgres) == f"sqlite:///{Path(postgres.instance_path) / 'jobs.sqlite3'}"
    with pytest.raises(ValueError, match="JOBS_URL"):
        queue(create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://",
                          "JOBS_URL": "amqp://rabbit"}))


def test_a_committed_email_asks_a_worker_to_send_it_now_and_a_rolled_back_one_does_not(app):
    huey = queue(app).huey
    assert isinstance(huey, SqliteHuey)
    with app.app_context():
        queue_email("ada@example.com", "Hello", "Body")
        db.session.rollback()
        assert huey.pending_count() == 0
        queue_email("ada@example.com", "Hello", "Body")
        db.session.commit()
    [task] = huey.pending()
    assert task.name == "send-emails"


def test_a_job_queue_that_is_down_does_not_stop_the_email_being_queued(
    app: Flask, caplog: pytest.LogCaptureFixture
):
    app.config["JOBS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    with app.app_context():
        queue_email("ada@example.com", "Hello", "Body")
        db.session.commit()
    assert [e.to for e in outbox(app)] == ["ada@example.com"]
    assert "could not ask the jobs to send email now" in caplog.text


@pytest.mark.parametrize("broker", ["sqlite", "redis"])
def test_two_workers_racing_on_one_job_run_it_once(app: Flask, clock, broker: str, request):
    if broker == "redis":
        app.config["JOBS_URL"] = request.getfixturevalue("redis_url")
        app.config["RATELIMIT_KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    jobs = queue(app)
    assert isinstance(jobs.huey, RedisExpireHuey if broker == "redis" else SqliteHuey)
    with app.app_context():
        queue_email("ada@example.com", "Hello", "Body")
        db.session.commit()
    def worker() -> object:
        try:
            return jobs.tasks["send-emails"].call_local()
        except TaskLockedException:
            return "locked"

    with SmtpSink(delay=0.5) as sink:
        app.config.update(sink.settings())
        outcomes = race(worker)
    assert sorted(outcomes, key=str) == [1, "locked"]
    assert len(sink.messages) == 1
    assert not jobs.huey.is_locked("send-emails")  # given back once the run ended


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_release_expired_expires_the_order_cancels_its_intent_and_queues_the_email(
    app: Flask, clock, runner
):
    number = place_unpaid(app, clock)
    clock.at += timedelta(minutes=29)
    assert runner.invoke(args=["release-expired"]).output == "Expired 0 unpaid orders.\n"
    clock.at += timedelta(minutes=1)
    assert runner.invoke(args=["release-expired"]).output == "Expired 1 unpaid orders.\n"
    assert runner.invoke(args=["release-expired"]).output == "Expired 0 unpaid orders.\n"
    status, intent = status_and_intent(app, number)
    assert status == "expired"
    sdk = stripe.StripeClient("sk_test_kefir_shop",
                              base_addresses={"api": app.config["STRIPE_API_BASE"]})
    assert sdk.v1.payment_intents.retrieve(intent).status == "canceled"
    [queued] = outbox(app)
    assert queued.subject == f"Your Kefir Shop order {number} has expired"
    assert "Nothing was charged" in queued.body and "2 × Kefir & Oat Soap Bar" in queued.body
    assert runner.invoke(args=["send-emails"]).output == "Sent 1 emails.\n"


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_an_order_replaced_by_a_second_checkout_gets_no_expiry_email(app: Flask, client):
    client.post("/api/v1/basket/items", json={"slug": "kefir-soap-bar", "quantity": 1})
    details = {"email": "ada@example.com", "name": "Ada Lovelace",
               "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
    first = client.post("/api/v1/checkout", json=details).get_json()["order"]["number"]
    client.post("/api/v1/checkout", json=details)
    assert status_and_intent(app, first)[0] == "expired"
    assert outbox(app) == []


@pytest.mark.usefixtures("catalogue", "localstripe")
def test_the_worker_expires_an_unpaid_order_and_sends_its_email_by_itself(
    app: Flask, clock, tmp_path: Path
):
    number = place_unpaid(app, clock)
    with app.app_context():  # its 30 minutes ran out a moment ago, by the real clock
        db.session.execute(update(Order).where(Order.number == number)
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    emails = tmp_path / "emails"
    environment = {
        **os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
        "STRIPE_SECRET_KEY": "sk_test_kefir_shop", "STRIPE_API_BASE": app.config["STRIPE_API_BASE"],
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "EMAIL_DIR": str(emails),
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}", "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("flask")), "--app", "shop", "worker"],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not list(emails.glob("*.eml")):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no email after 30 s:\n{log.read_text()}"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0, log.read_text()
    assert status_and_intent(app, number)[0] == "expired"
    [eml] = emails.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == f"Your Kefir Shop order {number} has expired"
    assert message["Message-ID"] == outbox(app)[0].message_id
    assert '"unpaid orders expired: 1"' in log.read_text()

