"""Emails: queued in the outbox with the change they report, then sent by the background jobs.

Sending is at least once: a sender claims an email for a lease (`claimed_until`) and marks it
sent only after the mail server (or the .eml file) has it. A sender that dies mid-send gives the
email back when its lease runs out, and the next sender sends it again with the same
Message-ID, given when it was queued. A failure is retried with exponential backoff; after
EMAIL_MAX_ATTEMPTS the email is dead-lettered until staff retry it (/admin/emails/).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from shop.domain.chat import clock_label
from shop.extensions import db
from shop.models import Order, OutboxEmail
from shop.transaction import transaction

log = logging.getLogger(__name__)

#: Set on a session that queued an email: once it commits, the jobs are asked to send now.
SEND_SOON = "shop_mail_send_soon"

#: The emails about an order: template under templates/email/, and subject.
ORDER_EMAILS = {
    "confirmation": "Your Kefir Shop order {number}",
    "dispatched": "Your Kefir Shop order {number} is on its way",
    "refunded": "Your Kefir Shop order {number} has been refunded",
    "expired": "Your Kefir Shop order {number} has expired",
}


def queue_email(
    to: str, subject: str, body: str, order_id: int | None = None, html: str | None = None
) -> OutboxEmail:
    """Add an email to the outbox in the caller's transaction; it leaves once that commits.

    `body` is the plain text; `html`, the HTML part, is that text set in the shop's HTML layout
    unless the caller rendered one of its own.
    """
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    if html is None:
        paragraphs = [part.strip("\n") for part in body.split("\n\n") if part.strip()]
        html = _render("plain.html", subject=subject, paragraphs=paragraphs)
    email = OutboxEmail(to=to, subject=subject, body=body, html=html, order_id=order_id,
                        message_id=make_msgid(domain=domain))
    db.session.add(email)
    db.session.info[SEND_SOON] = True
    return email


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    # Only once the emails are committed can a worker see them.
    if session.info.pop(SEND_SOON, False) and has_app_context():
        from shop.jobs import send_soon  # shop.jobs imports this module

        send_soon()


@event.listens_for(Session, "after_rollback")
def _nothing_to_send(session: Session) -> None:
    session.info.pop(SEND_SOON, None)


def render_email(name: str, **context) -> str:
    """The body of templates/email/<name>.txt, with the shop's configured promises."""
    return _render(f"{name}.txt", **context)


def _render(template: str, **context) -> str:
    config = current_app.config
    hours = config["CHAT"]
    return current_app.jinja_env.get_template(f"email/{template}").render(
        chat_hours=f"{clock_label(hours.opens)} - {clock_label(hours.closes)}",
        free_over_pence=config["FREE_DELIVERY_OVER_PENCE"],
        company=config["COMPANY"],
        **context,
    )


def queue_order_email(order: Order, kind: str) -> OutboxEmail:
    """Queue one of ORDER_EMAILS to the order's customer, in the caller's transaction: its
    text and HTML parts rendered from the same order."""
    subject = ORDER_EMAILS[kind].format(number=order.number)
    html = _render(f"{kind}.html", order=order, subject=subject)
    return queue_email(order.email, subject, render_email(kind, order=order), order.id, html)


def outbox_dir() -> Path:
    """Where emails are written as .eml files when no SMTP server is configured."""
    return Path(current_app.config["EMAIL_DIR"] or Path(current_app.instance_path) / "emails")


def deliver_outbox(now: Callable[[], datetime]) -> int:
    """Send every email that is due, each claimed first; return how many were sent.

    `now` is the clock, read afresh for each email: a lease starts when its send does.
    """
    due = select(OutboxEmail.id).where(*_claimable(now())).order_by(OutboxEmail.id)
    sent = 0
    for email_id in db.session.scalars(due).all():
        email = _claim(email_id, now())
        if email is not None:
            sent += _send(email, now)
    return sent


def _claimable(at: datetime) -> tuple:
    """Unsent, not dead, due, and nobody's (or its sender's lease has run out)."""
    return (
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.dead_at.is_(None),
        or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= at),
        or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until <= at),
    )


def _claim(email_id: int, at: datetime) -> OutboxEmail | None:
    """Take the email for a lease, unless another sender has it or it is not due."""
    lease = timedelta(seconds=current_app.config["EMAIL_LEASE_SECONDS"])
    with transaction():
        claimed = db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id, *_claimable(at))
            # The attempt counts from the claim, so that an email whose sender dies every time
            # (see _send) still ends up dead-lettered rather than tried for ever.
            .values(claimed_until=at + lease, attempts=OutboxEmail.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    return db.session.get(OutboxEmail, email_id) if claimed else None


def _send(email: OutboxEmail, now: Callable[[], datetime]) -> int:
    if email.attempts > current_app.config["EMAIL_MAX_ATTEMPTS"]:
        _failed(email, RuntimeError("every try ended with its sender stopped mid-send"), now())
        return 0
    try:
        _transmit(_message(email), email.id)
    # Whatever goes wrong with one email (server, network, a bug) must not stop the others.
    except Exception as exc:  # noqa: BLE001
        _failed(email, exc, now())
        return 0
    with transaction():
        email.sent_at = now()
        email.claimed_until = None
        email.last_error = ""
    return 1


def _failed(email: OutboxEmail, exc: Exception, at: datetime) -> None:
    config = current_app.config
    with transaction():
        email.claimed_until = None
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if _permanent(exc) or email.attempts >= config["EMAIL_MAX_ATTEMPTS"]:
            email.dead_at = at
            log.error("email %s to %s is dead after %s attempts: %s", email.id, email.to,
                      email.attempts, email.last_error)
        else:
            backoff = config["EMAIL_RETRY_SECONDS"] * 2 ** (email.attempts - 1)
            email.next_attempt_at = at + timedelta(seconds=backoff)
            log.warning("could not send email %s (attempt %s), trying again in %s s: %s",
                        email.id, email.attempts, backoff, email.last_error)


def _permanent(exc: Exception) -> bool:
    """A refusal that sending again cannot change (5xx: no such mailbox, bad login)."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) or (
        isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
    )


def _message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = email.message_id
    message.set_content(email.body)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    return message


def _transmit(message: EmailMessage, email_id: int) -> None:
    """Hand the message over: SMTP with STARTTLS when configured, else an .eml file."""
    config = current_app.config
    if config["SMTP_HOST"]:
        tls = ssl.create_default_context(cafile=config["SMTP_CA_FILE"] or None)
        with smtplib.SMTP(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
        ) as smtp:
            smtp.starttls(context=tls)
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
        return
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Written whole and then renamed, so a file that is there is a whole email.
    partial = folder / f".{email_id:06d}.eml.partial"
    partial.write_bytes(message.as_bytes())
    os.replace(partial, folder / f"{email_id:06d}.eml")


def requeue(email_id: int) -> OutboxEmail | None:
    """Give a dead-lettered email a fresh set of attempts, in the caller's transaction."""
    requeued = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.dead_at.is_not(None),
               OutboxEmail.sent_at.is_(None))
        .values(dead_at=None, attempts=0, next_attempt_at=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not requeued:
        return None
    db.session.info[SEND_SOON] = True
    email = db.session.get(OutboxEmail, email_id)
    db.session.refresh(email)
    return email


def dead_letters() -> list[OutboxEmail]:
    """Emails given up on, the latest first (at most 200)."""
    return list(db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.dead_at.is_not(None))
        .order_by(OutboxEmail.dead_at.desc()).limit(200)
    ))


def waiting_retry() -> list[OutboxEmail]:
    """Emails that failed and wait for their next try, oldest first (at most 200)."""
    return list(db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.dead_at.is_(None),
                                  OutboxEmail.attempts > 0)
        .order_by(OutboxEmail.id).limit(200)
    ))
