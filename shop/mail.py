"""Emails: queued in the outbox with the change they report, then delivered."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from shop.extensions import db
from shop.models import OutboxEmail
from shop.transaction import transaction

log = logging.getLogger(__name__)


def queue_email(to: str, subject: str, body: str, order_id: int | None = None) -> None:
    """Add an email to the outbox in the caller's transaction."""
    db.session.add(OutboxEmail(to=to, subject=subject, body=body, order_id=order_id))


def _message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = make_msgid(domain="kefirshop.example")
    message.set_content(email.body)
    return message


def outbox_dir() -> Path:
    """Where development emails are written as .eml files."""
    return Path(current_app.instance_path) / "emails"


def deliver_outbox(now: datetime) -> int:
    """Send every unsent email once, over SMTP when configured, else as .eml files."""
    config = current_app.config
    sent = 0
    for email_id in db.session.scalars(
        select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id)
    ).all():
        # Claim the row first, so that two workers never send the same email.
        with transaction():
            claimed = db.session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None))
                .values(sent_at=now)
            ).rowcount
        if not claimed:
            continue
        email = db.session.get(OutboxEmail, email_id)
        message = _message(email)
        try:
            if config["SMTP_HOST"]:
                with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
                    smtp.starttls()
                    if config["SMTP_USERNAME"]:
                        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
                    smtp.send_message(message)
            else:
                folder = outbox_dir()
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{email.id:06d}.eml").write_bytes(message.as_bytes())
        except (OSError, smtplib.SMTPException):
            log.exception("could not send email %s; it stays queued", email.id)
            with transaction():
                email.sent_at = None
            continue
        sent += 1
    return sent
