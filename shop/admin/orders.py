"""Running orders from the back office: find them, dispatch, deliver and refund."""

from __future__ import annotations

from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.admin.audit import Actor, record
from shop.checkout.orders import transition  # the one guarded status change
from shop.checkout.refunds import request_refund
from shop.checkout.stock import release_stock
from shop.extensions import db
from shop.jobs import run_soon
from shop.mail import queue_order_email
from shop.models import Order, OrderStatus
from shop.search import contains
from shop.transaction import transaction

REFUNDABLE = (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.DELIVERED)


class OrderActionRefused(Exception):
    """The order is not in a state that allows this."""


def search_orders(
    q: str = "", status: str = "", page: int = 1, per_page: int = 25
) -> Pagination:
    """Orders newest first, by status and by words matching the number or the email."""
    query = select(Order).where(Order.number.is_not(None)).options(selectinload(Order.lines))
    if status:
        query = query.where(Order.status == status)
    q = q.strip()
    if q:
        query = query.where(contains(q, Order.number, Order.email))
    newest_first = query.order_by(Order.created_at.desc(), Order.id.desc())
    return db.paginate(newest_first, page=page, per_page=per_page, error_out=False)


def order_by_number(number: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.number == number))


def count_by_status(status: str) -> int:
    query = select(func.count()).select_from(Order).where(Order.status == status)
    return db.session.scalar(query) or 0


def _refuse(order: Order, doing: str, allowed: str) -> OrderActionRefused:
    db.session.rollback()
    return OrderActionRefused(
        f"Order {order.number} is {order.status.replace('_', ' ')}: only {allowed} orders can be "
        f"{doing}."
    )


def mark_dispatched(order: Order, actor: Actor, now: datetime) -> None:
    """Paid → dispatched, with the customer's email queued in the same transaction."""
    with transaction():
        if not transition(order, [OrderStatus.PAID], OrderStatus.DISPATCHED):
            raise _refuse(order, "dispatched", "paid")
        queue_order_email(order, "dispatched")
        record(actor, "order.dispatch", "order", order.number,
               {"status": [OrderStatus.PAID, OrderStatus.DISPATCHED]}, now)


def mark_delivered(order: Order, actor: Actor, now: datetime) -> None:
    """Dispatched → delivered."""
    with transaction():
        if not transition(order, [OrderStatus.DISPATCHED], OrderStatus.DELIVERED):
            raise _refuse(order, "marked delivered", "dispatched")
        record(actor, "order.deliver", "order", order.number,
               {"status": [OrderStatus.DISPATCHED, OrderStatus.DELIVERED]}, now)


def refund(order: Order, actor: Actor, now: datetime, restock: bool) -> None:
    """Record the whole payment as to be refunded and mark the order refunded.

    Stripe is called by the jobs (shop.checkout.refunds), never here: the refund is pending
    in the database first, so a crash before or after Stripe's answer is finished once. The
    status moves in the same transaction, so two clicks cannot refund twice. With `restock`,
    the goods are back (or never left) and go back on sale.
    """
    before = order.status
    with transaction():
        if not transition(order, REFUNDABLE, OrderStatus.REFUNDED):
            raise _refuse(order, "refunded", "paid, dispatched or delivered")
        request_refund(order, "admin", now)
        if restock:
            release_stock(order)
        record(actor, "order.refund", "order", order.number,
               {"status": [before, OrderStatus.REFUNDED], "amount_pence": order.total_pence,
                "restocked": restock}, now)
    run_soon("finish-refunds")
