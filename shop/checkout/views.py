"""Checkout views: parse, call one service function, render."""

from __future__ import annotations

import logging

from flask import request

from shop.checkout import bp
from shop.checkout.orders import EventRefused, handle_stripe_event
from shop.errors import Problem
from shop.extensions import csrf, db
from shop.mail import deliver_outbox
from shop.payments import BadSignature, gateway
from shop.web import now

log = logging.getLogger(__name__)


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events; an order becomes paid only here."""
    try:
        event = gateway().verify_event(request.get_data(), request.headers.get("Stripe-Signature", ""))
    except BadSignature:
        log.warning("stripe webhook with a bad signature from %s", request.remote_addr)
        raise Problem(400, "The Stripe signature does not verify.") from None
    try:
        outcome = handle_stripe_event(event, now())
    except EventRefused as exc:
        db.session.rollback()
        raise Problem(400, str(exc)) from None
    if outcome == "paid":
        deliver_outbox(now())
    return {"received": True, "outcome": outcome}
