"""An order after it is placed: guarded status changes and expiry."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from shop.checkout.stock import release_stock
from shop.discounts.service import release_use
from shop.extensions import db
from shop.mail import queue_order_email
from shop.models import Order, OrderStatus
from shop.payments import PaymentError, PaymentGateway
from shop.transaction import transaction

log = logging.getLogger(__name__)


def transition(order: Order, source: Iterable[str], target: str) -> bool:
    """Move the order between statuses only if nobody else has moved it meanwhile."""
    moved = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_(list(source)))
        .values(status=target)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        db.session.refresh(order)
    return bool(moved)


def expire_unpaid(
    now: datetime, orders: Iterable[Order] | None = None, *, early: bool = False
) -> list[Order]:
    """Expire unpaid orders past their time (or now, if `early`) and release their stock.

    Their PaymentIntents are marked to be cancelled by the jobs (cancel_ended_intents): this
    runs inside web requests too, which never wait on Stripe.
    """
    if orders is None:
        orders = db.session.scalars(
            select(Order).where(
                Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now
            )
        ).all()
    expired = []
    with transaction():
        for order in orders:
            if (early or order.expires_at <= now) and transition(
                order, [OrderStatus.PENDING_PAYMENT], OrderStatus.EXPIRED
            ):
                release_stock(order)
                order.cancel_intent = bool(order.payment_intent_id)
                release_use(order)
                if not early:  # a superseded order was replaced by the customer: no news to tell
                    queue_order_email(order, "expired")
                expired.append(order)
    return expired


#: An intent Stripe will not cancel this long after its hold ended is left alone (logged).
CANCEL_GIVE_UP = timedelta(days=1)


def cancel_ended_intents(now: datetime, payments: PaymentGateway) -> int:
    """Cancel the PaymentIntents of orders whose hold has ended, so they can never be paid.

    Safe to run twice: a cancelled intent is cancelled again harmlessly. An intent Stripe
    cannot cancel (unreachable, or it was paid meanwhile, which its webhook handles) is tried
    again at the next run, for a day.
    """
    ended = db.session.scalars(
        select(Order).where(Order.cancel_intent.is_(True)).order_by(Order.id)
    ).all()
    cancelled = 0
    for order in ended:
        try:
            payments.cancel(order.payment_intent_id or "")
        except PaymentError as exc:
            log.warning("could not cancel the PaymentIntent of expired order %s: %s",
                        order.number, exc)
            if now - order.expires_at < CANCEL_GIVE_UP:
                continue
            log.error("gave up cancelling the PaymentIntent of order %s", order.number)
        else:
            cancelled += 1
        with transaction():
            order.cancel_intent = False
    return cancelled


def supersede_pending(basket_id: int, now: datetime) -> list[Order]:
    """Close the basket's earlier unpaid orders: a newer order replaces them."""
    pending = db.session.scalars(
        select(Order).where(
            Order.basket_id == basket_id, Order.status == OrderStatus.PENDING_PAYMENT
        )
    ).all()
    return expire_unpaid(now, pending, early=True)
