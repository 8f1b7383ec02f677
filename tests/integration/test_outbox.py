"""Email always leaves: claimed for a lease, marked sent only after the send, retried with
backoff, dead-lettered after too many failures and sent again when staff say so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from shop import ROOT
from shop.admin.models import AuditEntry
from shop.clock import FixedClock
from shop.extensions import db
from shop.mail import deliver_outbox, queue_email
from shop.models import OutboxEmail
from tests.factories import form_csrf_token
from tests.servers import SmtpSink, black_hole, free_port, race


def queue(app: Flask, to: str = "ada@example.com") -> int:
    """Queue one email and commit it; its id."""
    with app.app_context():
        email = queue_email(to, "Your kefir", "Hello Ada,\n\nYour grains are on their way.\n")
        db.session.commit()
        return email.id


def row(app: Flask, email_id: int) -> OutboxEmail:
    with app.app_context():
        email = db.session.get(OutboxEmail, email_id)
        db.session.expunge(email)
        return email


def deliver(app: Flask, clock: FixedClock) -> int:
    with app.app_context():
        return deliver_outbox(clock.now)


def test_an_email_is_written_once_with_the_message_id_it_was_given_when_queued(app, clock):
    email_id = queue(app)
    queued = row(app, email_id)
    assert queued.message_id.startswith("<") and queued.message_id.endswith("@kefirshop.example>")
    assert queued.sent_at is None and queued.attempts == 0
    assert deliver(app, clock) == 1
    assert deliver(app, clock) == 0
    [eml] = (Path(app.instance_path) / "emails").glob("*.eml")
    assert f"Message-ID: {queued.message_id}" in eml.read_text()
    sent = row(app, email_id)
    assert sent.sent_at == clock.now() and sent.attempts == 1 and sent.claimed_until is None


def test_smtp_sends_over_starttls_to_a_server_whose_certificate_verifies(app, clock):
    email_id = queue(app)
    with SmtpSink() as sink:
        app.config.update(sink.settings())
        assert deliver(app, clock) == 1
    [message] = sink.messages
    assert message["To"] == "ada@example.com" and message["Subject"] == "Your kefir"
    assert message["Message-ID"] == row(app, email_id).message_id
    assert "Your grains are on their way." in message.get_body(("plain",)).get_content()


def test_a_mail_server_whose_certificate_does_not_verify_gets_nothing(app, clock):
    email_id = queue(app)
    with SmtpSink() as sink:
        app.config.update(sink.settings(trusted=False))
        assert deliver(app, clock) == 0
    assert sink.messages == []
    waiting = row(app, email_id)
    assert "CERTIFICATE_VERIFY_FAILED" in waiting.last_error
    assert waiting.sent_at is None and waiting.dead_at is None


def test_an_unreachable_mail_server_leaves_the_email_waiting_with_a_doubling_backoff(
    app, clock, staff_client
):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), EMAIL_MAX_ATTEMPTS=3,
                      EMAIL_RETRY_SECONDS=60)
    email_id = queue(app)
    start = clock.now()
    assert deliver(app, clock) == 0
    first = row(app, email_id)
    assert first.attempts == 1 and first.next_attempt_at == start + timedelta(seconds=60)
    assert "ConnectionRefusedError" in first.last_error and first.sent_at is None
    clock.at = start + timedelta(seconds=59)
    assert deliver(app, clock) == 0 and row(app, email_id).attempts == 1  # not due yet
    clock.at = start + timedelta(seconds=60)
    deliver(app, clock)
    second = row(app, email_id)
    assert second.attempts == 2 and second.next_attempt_at == clock.now() + timedelta(seconds=120)
    assert second.dead_at is None
    html = staff_client.get("/admin/emails/").get_data(as_text=True)
    assert "Waiting to be tried again (1)" in html and "Gave up (0)" in html

    clock.at = second.next_attempt_at
    deliver(app, clock)
    dead = row(app, email_id)
    assert dead.attempts == 3 and dead.dead_at == clock.now() and dead.sent_at is None
    clock.at += timedelta(hours=1)
    assert deliver(app, clock) == 0 and row(app, email_id).attempts == 3  # dead stays dead

    html = staff_client.get("/admin/emails/").get_data(as_text=True)
    assert "Gave up (1)" in html and "ConnectionRefusedError" in html
    token = form_csrf_token(staff_client, "/admin/emails/")
    response = staff_client.post(f"/admin/emails/{email_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    again = row(app, email_id)
    assert again.dead_at is None and again.attempts == 0 and again.next_attempt_at is None
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "email"))
        assert (entry.action, entry.entity_key, entry.actor) == (
            "email.retry", str(email_id), "packer@kefirshop.example")
        assert entry.changes["to"] == "ada@example.com"
    with SmtpSink() as sink:
        app.config.update(sink.settings())
        assert deliver(app, clock) == 1
    assert len(sink.messages) == 1 and row(app, email_id).sent_at == clock.now()


def test_retrying_an_email_that_is_not_dead_changes_nothing(app, clock, staff_client):
    email_id = queue(app)
    token = form_csrf_token(staff_client, "/admin/emails/")
    response = staff_client.post(f"/admin/emails/{email_id}/retry", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "is not dead-lettered" in response.get_data(as_text=True)
    assert staff_client.post("/admin/emails/999999/retry",
                             data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "email")) is None


def test_a_mailbox_the_server_refuses_for_good_is_dead_lettered_at_once(app, clock):
    email_id = queue(app, to="nobody@example.com")
    with SmtpSink(refuse="550 5.1.1 No such mailbox") as sink:
        app.config.update(sink.settings())
        assert deliver(app, clock) == 0
    dead = row(app, email_id)
    assert dead.attempts == 1 and dead.dead_at == clock.now()
    assert "No such mailbox" in dead.last_error


def test_two_senders_racing_on_one_email_send_it_once(app, clock):
    email_id = queue(app)
    def sender() -> int:
        with app.app_context():
            return deliver_outbox(clock.now)

    with SmtpSink(delay=0.5) as sink:
        app.config.update(sink.settings())
        sent = race(sender)
    assert sorted(sent) == [0, 1]
    assert len(sink.messages) == 1
    assert row(app, email_id).attempts == 1


def test_a_sender_killed_mid_send_gives_the_email_back_after_its_lease(app, clock, tmp_path):
    email_id = queue(app)
    message_id = row(app, email_id).message_id
    with black_hole() as port:
        # Another process starts sending and is killed while the mail server keeps it waiting.
        environment = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
                       "SECRET_KEY": "test-secret", "SMTP_HOST": "127.0.0.1",
                       "SMTP_PORT": str(port), "JOBS_URL": "memory://"}
        flask = Path(sys.executable).with_name("flask")
        worker = subprocess.Popen([str(flask), "--app", "shop", "send-emails"], cwd=ROOT,
                                  env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while row(app, email_id).claimed_until is None:
            assert worker.poll() is None and time.monotonic() < deadline, "it never claimed"
            time.sleep(0.05)
        worker.kill()
        worker.wait(timeout=10)
    claimed = row(app, email_id)
    assert claimed.sent_at is None and claimed.attempts == 1

    with SmtpSink() as sink:
        app.config.update(sink.settings())
        clock.at = claimed.claimed_until - timedelta(seconds=1)
        assert deliver(app, clock) == 0  # the lease still holds: the sender might be alive
        clock.at = claimed.claimed_until
        assert deliver(app, clock) == 1
        assert deliver(app, clock) == 0
    [message] = sink.messages
    assert message["Message-ID"] == message_id
    sent = row(app, email_id)
    assert sent.sent_at == clock.now() and sent.attempts == 2


def test_an_email_whose_sender_dies_on_every_try_is_dead_lettered(app, clock):
    app.config["EMAIL_MAX_ATTEMPTS"] = 3
    email_id = queue(app)
    with app.app_context():  # three senders claimed it and were killed before finishing
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email_id)
                           .values(attempts=3, claimed_until=clock.now()))
        db.session.commit()
    assert deliver(app, clock) == 0
    dead = row(app, email_id)
    assert dead.dead_at == clock.now() and "stopped mid-send" in dead.last_error
    assert not list((Path(app.instance_path) / "emails").glob("*.eml"))


def test_staff_see_the_emails_page_only_when_signed_in(client):
    response = client.get("/admin/emails/")
    assert response.status_code in (302, 303)
    assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("kind", ["confirmation", "dispatched", "refunded", "expired"])
def test_order_emails_render_the_configured_chat_hours_and_free_delivery_threshold(
    app: Flask, kind: str
):
    from datetime import date
    from types import SimpleNamespace

    from shop.domain.chat import ChatHours
    from shop.mail import render_email

    app.config["CHAT"] = ChatHours.parse("09:30-17:00")
    app.config["FREE_DELIVERY_OVER_PENCE"] = 4000
    line = SimpleNamespace(quantity=2, product_name="Kefir Grains", line_total_pence=2400)
    order = SimpleNamespace(name="Ada", number="KS-000007", lines=[line], subtotal_pence=2400,
                            delivery_pence=395, total_pence=2795, address_line1="1 Kefir Lane",
                            city="Bath", postcode="BA1 1AA", delivery_date=date(2026, 11, 26))
    with app.app_context():
        body = render_email(kind, order=order)
    assert body.startswith("Hello Ada,\n\n") and "KS-000007" in body
    assert "open 9:30am - 5pm every day" in body and "orders over £40.00" in body
    assert "8am" not in body and "£25" not in body
