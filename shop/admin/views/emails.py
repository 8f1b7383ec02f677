"""Emails that could not be sent: staff see why, and send a dead-lettered one again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from shop.admin import bp
from shop.admin.audit import record
from shop.admin.auth import web_actor
from shop.extensions import db
from shop.mail import dead_letters, requeue, waiting_retry
from shop.models import OutboxEmail
from shop.transaction import transaction
from shop.web import now


@bp.get("/emails/")
def emails():
    """Dead-lettered emails, each with a retry button, and emails waiting to be tried again."""
    return render_template(
        "admin/emails.html", dead=dead_letters(), waiting=waiting_retry()
    )


@bp.post("/emails/<int:email_id>/retry")
def email_retry(email_id: int):
    """Give a dead-lettered email a fresh set of attempts; the jobs send it soon after."""
    email = db.session.get(OutboxEmail, email_id)
    if email is None:
        abort(404, "There is no such email.")
    last_error = email.last_error
    with transaction():
        requeued = requeue(email_id)
        if requeued:
            record(web_actor(), "email.retry", "email", str(email_id),
                   {"to": email.to, "subject": email.subject, "last_error": last_error}, now())
    if requeued is None:
        flash(f"The email to {email.to} is not dead-lettered: nothing to retry.", "error")
    else:
        flash(f"The email to {email.to} is queued to be sent again.", "success")
    return redirect(url_for("admin.emails"), 303)
