"""An order after it is placed: guarded status changes and expiry."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

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
    now: datetime,
    payments: PaymentGateway,
    orders: Iterable[Order] | None = None,
    *,
    early: bool = False,
) -> list[Order]:
    """Expire unpaid orders past their time (or now, if `early`) and release their stock."""
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
                release_use(order)
                if not early:  # a superseded order was replaced by the customer: no news to tell
                    queue_order_email(order, "expired")
                expired.append(order)
    for order in expired:
        if order.payment_intent_id:
            try:  # so that a late payment cannot arrive; if it does, the webhook copes
                payments.cancel(order.payment_intent_id)
            except PaymentError:
                log.warning("could not cancel the PaymentIntent of expired order %s", order.number)
    return expired


def supersede_pending(basket_id: int, now: datetime, payments: PaymentGateway) -> list[Order]:
    """Close the basket's earlier unpaid orders: a newer order replaces them."""
    pending = db.session.scalars(
        select(Order).where(
            Order.basket_id == basket_id, Order.status == OrderStatus.PENDING_PAYMENT
        )
    ).all()
    return expire_unpaid(now, payments, pending, early=True)


