"""Refunds: recorded as pending in the database first, then made through Stripe by the jobs.

Whoever asks for a refund (an admin, or a payment that arrived for an order that cannot be
filled) only writes `refund_state = "pending"`; no web request waits on Stripe. The jobs call
Stripe with the idempotency key `refund-<number>`, so a worker that dies between Stripe's
answer and its own commit refunds nothing more when the next run tries again. The one guarded
change from pending to refunded, made by the job or by Stripe's `charge.refunded` webhook,
whichever comes first, queues the customer's email once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from shop.extensions import db
from shop.mail import queue_order_email
from shop.models import Order
from shop.payments import PaymentError, PaymentGateway
from shop.transaction import transaction

log = logging.getLogger(__name__)

PENDING = "pending"
REFUNDED = "refunded"
#: A refund Stripe refused is tried again after this, doubling each time up to an hour.
RETRY_AFTER = timedelta(minutes=1)
RETRY_AT_MOST = timedelta(hours=1)


def refund_key(order: Order) -> str:
    """Stripe's idempotency key for the order's one refund."""
    return f"refund-{order.number}"


def request_refund(order: Order, reason: str, now: datetime) -> None:
    """Record, in the caller's transaction, that the order's payment is to be refunded in full."""
    order.refund_state = PENDING
    order.refund_reason = reason
    order.refund_requested_at = now
    order.refund_next_at = None


def complete_refund(order: Order, now: datetime, amount_pence: int | None = None) -> bool:
    """Pending → refunded, once, queueing the customer's email; in the caller's transaction.

    False when someone else completed it first (the job and the webhook race for it).
    """
    moved = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refund_state == PENDING)
        .values(refund_state=REFUNDED, refunded_at=now, refund_error="", refund_next_at=None,
                refunded_pence=order.total_pence if amount_pence is None else amount_pence)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        db.session.refresh(order)
        queue_order_email(order, "refunded")
    return bool(moved)


def finish_refunds(now: datetime, payments: PaymentGateway) -> int:
    """Make every pending refund that is due through Stripe; return how many were made."""
    due = db.session.scalars(
        select(Order)
        .where(Order.refund_state == PENDING,
               or_(Order.refund_next_at.is_(None), Order.refund_next_at <= now))
        .order_by(Order.id)
    ).all()
    made = 0
    for order in due:
        try:
            payments.refund(order.payment_intent_id or "", idempotency_key=refund_key(order))
        # One refused refund must not hold up the others; it is shown to staff and retried.
        except PaymentError as exc:
            with transaction():
                order.refund_attempts += 1
                order.refund_error = str(exc)[:500]
                wait = min(RETRY_AFTER * 2 ** (order.refund_attempts - 1), RETRY_AT_MOST)
                order.refund_next_at = now + wait
            log.error("Stripe did not refund order %s (attempt %s): %s", order.number,
                      order.refund_attempts, exc)
            continue
        with transaction():
            made += complete_refund(order, now)
    return made
