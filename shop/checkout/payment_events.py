"""Stripe's webhook events, each applied exactly once: an order becomes paid only here."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from shop.admin.audit import Actor, record
from shop.checkout.orders import transition
from shop.checkout.refunds import PENDING, REFUNDED, complete_refund, request_refund
from shop.checkout.stock import OutOfStock, release_stock, reserve_stock
from shop.discounts.service import release_use, retake_use
from shop.extensions import db
from shop.jobs import run_soon
from shop.mail import queue_order_email
from shop.models import BasketLine, Order, OrderStatus, StripeEvent
from shop.transaction import transaction

log = logging.getLogger(__name__)

#: Who the audit log names for what Stripe's events change: staff see it in the order's history.
STRIPE = Actor(None, "stripe")


class EventRefused(Exception):
    """A webhook event that disagrees with our records."""


class _AlreadyApplied(Exception):
    """The event was stored before: a replay or a duplicate delivery."""


def handle_stripe_event(event: dict, now: datetime) -> str:
    """Apply one verified Stripe event exactly once; return what happened, in a word."""
    try:
        with transaction():
            # The event id is stored in the same transaction as its effect.
            _remember(event)
            outcome = _apply(event, now)
    except _AlreadyApplied:
        return "duplicate"
    if outcome == "refund-pending":
        run_soon("finish-refunds")  # the refund is committed: Stripe is called by the jobs
    elif outcome == "payment-failed":
        run_soon("expire-orders")  # which cancels the intent
    return outcome


def _remember(event: dict) -> None:
    db.session.add(StripeEvent(id=event["id"], type=event["type"]))
    try:
        db.session.flush()
    except IntegrityError:
        raise _AlreadyApplied(event["id"]) from None


def _apply(event: dict, now: datetime) -> str:
    obj = event.get("data", {}).get("object", {})
    kind = event["type"]
    if kind.startswith("charge.dispute."):
        handler = _dispute
    else:
        handler = {
            "payment_intent.succeeded": _payment_succeeded,
            "payment_intent.payment_failed": _payment_failed,
            "payment_intent.canceled": _payment_canceled,
            "charge.refunded": _charge_refunded,
        }.get(kind)
    if handler is None:
        return "ignored"
    # Charges and disputes name their PaymentIntent; an intent's own events are the intent.
    intent_id = obj.get("id", "") if kind.startswith("payment_intent.") else obj.get(
        "payment_intent") or ""
    order = db.session.scalar(select(Order).where(Order.payment_intent_id == intent_id))
    if order is None:
        log.warning("stripe event %s for unknown intent %s", event["id"], intent_id)
        return "unknown-order"
    return handler(order, obj, now)


def _payment_succeeded(order: Order, intent: dict, now: datetime) -> str:
    if intent.get("amount") != order.total_pence or intent.get("currency") != "gbp":
        log.error(
            "refused payment_intent.succeeded for %s: %s %s paid, order total %s gbp",
            order.number,
            intent.get("amount"),
            intent.get("currency"),
            order.total_pence,
        )
        raise EventRefused("The amount or currency does not match the order.")
    order.cancel_intent = False  # paid after all: there is nothing left to cancel
    if order.status in (OrderStatus.PAYMENT_FAILED, OrderStatus.EXPIRED):
        # Paid after all (a late success): the stock went back on sale, so take it again.
        try:
            reserve_stock((line.product, line.quantity) for line in order.lines)
        except OutOfStock:
            return _refund_unfulfillable(order, now)
        retake_use(order, now)
        transition(order, [order.status], OrderStatus.PENDING_PAYMENT)
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAID):
        return "no-change"
    order.paid_at = now
    order.payment_error = ""
    if order.basket_id is not None:
        db.session.execute(delete(BasketLine).where(BasketLine.basket_id == order.basket_id))
    queue_order_email(order, "confirmation")
    return "paid"


def _refund_unfulfillable(order: Order, now: datetime) -> str:
    """Money taken for an order that can no longer be filled goes back, in full, once."""
    before = order.status
    if not transition(order, [before], OrderStatus.REFUNDED):
        return "no-change"
    request_refund(order, "unfulfillable", now)
    record(STRIPE, "order.refund", "order", order.number,
           {"status": [before, OrderStatus.REFUNDED], "amount_pence": order.total_pence,
            "reason": "paid after its stock was gone"}, now)
    log.error("order %s was paid after its hold ended and its stock is gone: refunding it",
              order.number)
    return "refund-pending"


def _payment_failed(order: Order, intent: dict, now: datetime) -> str:
    """A declined card: the hold stays and the customer may try another card, up to
    PAYMENT_MAX_ATTEMPTS cards in all."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        return "no-change"
    error = (intent.get("last_payment_error") or {}).get("message") or "Your card was declined."
    # Counted in the database: two declines reported at once are two attempts.
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(payment_attempts=Order.payment_attempts + 1, payment_error=error[:200])
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if order.payment_attempts < current_app.config["PAYMENT_MAX_ATTEMPTS"]:
        return "declined"
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAYMENT_FAILED):
        return "no-change"
    release_stock(order)
    order.cancel_intent = True  # so that no sixth card can pay it
    release_use(order)
    return "payment-failed"


def _payment_canceled(order: Order, intent: dict, now: datetime) -> str:
    """Stripe cancelled the intent itself: the order can no longer be paid."""
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAYMENT_FAILED):
        return "no-change"  # usually our own cancel, of an order that has already ended
    release_stock(order)
    release_use(order)
    return "payment-failed"


def _charge_refunded(order: Order, charge: dict, now: datetime) -> str:
    """A refund, ours or made outside the shop (Stripe's dashboard), reaches the order."""
    refunded = int(charge.get("amount_refunded") or 0)
    if order.refund_state == REFUNDED:
        return "no-change"
    if order.refund_state == PENDING:  # ours: Stripe was quicker to tell than the job
        complete_refund(order, now, refunded)
        return "refunded"
    if refunded < order.total_pence:
        # A partial refund made outside the shop: recorded for staff, the order stands.
        record(STRIPE, "order.partial_refund", "order", order.number,
               {"refunded_pence": [order.refunded_pence, refunded]}, now)
        order.refunded_pence = refunded
        log.warning("order %s was partly refunded outside the shop: %s pence", order.number,
                    refunded)
        return "partly-refunded"
    before = order.status
    if not transition(order, [before], OrderStatus.REFUNDED):
        return "no-change"
    request_refund(order, "outside", now)
    complete_refund(order, now, refunded)
    record(STRIPE, "order.refund", "order", order.number,
           {"status": [before, OrderStatus.REFUNDED], "amount_pence": refunded,
            "reason": "refunded outside the shop"}, now)
    return "refunded"


def _dispute(order: Order, dispute: dict, now: datetime) -> str:
    """A chargeback, opened, updated or closed by the customer's bank: staff must see it."""
    status = str(dispute.get("status") or "needs_response")[:40]
    record(STRIPE, "order.dispute", "order", order.number,
           {"dispute_status": [order.dispute_status, status]}, now)
    order.dispute_status = status
    order.dispute_reason = str(dispute.get("reason") or "")[:60]
    log.warning("order %s is disputed: %s (%s)", order.number, order.dispute_status,
                order.dispute_reason)
    return "disputed"
