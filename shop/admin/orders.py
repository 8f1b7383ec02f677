"""Running orders from the back office: find them, dispatch, deliver and refund."""

from __future__ import annotations

from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.admin.audit import Actor, record
from shop.checkout.orders import release_stock, transition  # the one guarded status change
from shop.domain.money import format_gbp
from shop.extensions import db
from shop.mail import deliver_outbox, queue_email
from shop.models import Order, OrderStatus
from shop.payments import PaymentError, gateway
from shop.search import contains

REFUNDABLE = (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.DELIVERED)


class OrderActionRefused(Exception):
    """The order is not in a state that allows this."""


class RefundFailed(OrderActionRefused):
    """Stripe did not make the refund; nothing changed."""


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
    if not transition(order, [OrderStatus.PAID], OrderStatus.DISPATCHED):
        raise _refuse(order, "dispatched", "paid")
    queue_email(order.email, f"Your Kefir Shop order {order.number} is on its way",
                dispatch_text(order), order.id)
    record(actor, "order.dispatch", "order", order.number,
           {"status": [OrderStatus.PAID, OrderStatus.DISPATCHED]}, now)
    db.session.commit()
    deliver_outbox(now)


def mark_delivered(order: Order, actor: Actor, now: datetime) -> None:
    """Dispatched → delivered."""
    if not transition(order, [OrderStatus.DISPATCHED], OrderStatus.DELIVERED):
        raise _refuse(order, "marked delivered", "dispatched")
    record(actor, "order.deliver", "order", order.number,
           {"status": [OrderStatus.DISPATCHED, OrderStatus.DELIVERED]}, now)
    db.session.commit()


def refund(order: Order, actor: Actor, now: datetime, restock: bool) -> None:
    """Refund the whole payment through Stripe and mark the order refunded.

    With `restock`, the goods are back (or never left) and go back on sale. The status moves
    first, inside the transaction, so two clicks cannot refund twice; if Stripe refuses,
    the transaction rolls back and nothing changes.
    """
    before = order.status
    if not transition(order, REFUNDABLE, OrderStatus.REFUNDED):
        raise _refuse(order, "refunded", "paid, dispatched or delivered")
    try:
        gateway().refund(order.payment_intent_id or "")
    except PaymentError as exc:
        db.session.rollback()
        raise RefundFailed(f"Stripe did not refund order {order.number}: {exc}") from exc
    if restock:
        release_stock(order)
    queue_email(order.email, f"Your Kefir Shop order {order.number} has been refunded",
                refund_text(order), order.id)
    record(actor, "order.refund", "order", order.number,
           {"status": [before, OrderStatus.REFUNDED], "amount_pence": order.total_pence,
            "restocked": restock}, now)
    db.session.commit()
    deliver_outbox(now)


def dispatch_text(order: Order) -> str:
    """The plain-text dispatch email."""
    items = "\n".join(f"  {line.quantity} × {line.product_name}" for line in order.lines)
    return (
        f"Hello {order.name},\n\n"
        f"Good news: your order {order.number} has left us by chilled next-day courier.\n\n"
        f"{items}\n\n"
        f"Delivery to: {order.address_line1}, {order.city}, {order.postcode}\n"
        f"Expected delivery: {order.delivery_date:%A %-d %B %Y}\n\n"
        "Please pop your kefir in the fridge when it arrives.\n"
        "Questions? Our live chat is open 8am - 8pm every day, and our support is FREE for life.\n"
        "Kefir Shop\n"
    )


def refund_text(order: Order) -> str:
    """The plain-text refund email."""
    return (
        f"Hello {order.name},\n\n"
        f"We have refunded {format_gbp(order.total_pence)} for your order {order.number} to the "
        "card you paid with. Banks usually take 5 to 10 days to show it.\n\n"
        "Questions? Our live chat is open 8am - 8pm every day, and our support is FREE for life.\n"
        "Kefir Shop\n"
    )
