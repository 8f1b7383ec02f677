"""Stripe's webhook events, each applied exactly once: an order becomes paid only here."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from shop.checkout.orders import transition
from shop.checkout.stock import OutOfStock, release_stock, reserve_stock
from shop.discounts.service import release_use, retake_use
from shop.extensions import db
from shop.mail import queue_order_email
from shop.models import BasketLine, Order, OrderStatus, StripeEvent
from shop.transaction import transaction

log = logging.getLogger(__name__)


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
            return _apply(event, now)
    except _AlreadyApplied:
        return "duplicate"


def _remember(event: dict) -> None:
    db.session.add(StripeEvent(id=event["id"], type=event["type"]))
    try:
        db.session.flush()
    except IntegrityError:
        raise _AlreadyApplied(event["id"]) from None


def _apply(event: dict, now: datetime) -> str:
    intent = event.get("data", {}).get("object", {})
    handler = {
        "payment_intent.succeeded": _payment_succeeded,
        "payment_intent.payment_failed": _payment_failed,
    }.get(event["type"])
    if handler is None:
        return "ignored"
    order = db.session.scalar(select(Order).where(Order.payment_intent_id == intent.get("id", "")))
    if order is None:
        log.warning("stripe event %s for unknown intent %s", event["id"], intent.get("id"))
        return "unknown-order"
    return handler(order, intent, now)


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
    if order.status in (OrderStatus.PAYMENT_FAILED, OrderStatus.EXPIRED):
        # Paid after all (a late success): the stock went back on sale, so take it again.
        try:
            reserve_stock((line.product, line.quantity) for line in order.lines)
        except OutOfStock:
            log.error(
                "order %s was paid after expiry and its stock is gone: refund it", order.number
            )
            return "paid-without-stock"
        retake_use(order, now)
        transition(order, [order.status], OrderStatus.PENDING_PAYMENT)
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAID):
        return "no-change"
    order.paid_at = now
    if order.basket_id is not None:
        db.session.execute(delete(BasketLine).where(BasketLine.basket_id == order.basket_id))
    queue_order_email(order, "confirmation")
    return "paid"


def _payment_failed(order: Order, intent: dict, now: datetime) -> str:
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAYMENT_FAILED):
        return "no-change"
    release_stock(order)
    release_use(order)
    return "payment-failed"
