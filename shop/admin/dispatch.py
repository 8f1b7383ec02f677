"""The day's dispatch: the paid orders due out today, what to pick, and marking them sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.admin.audit import Actor
from shop.admin.orders import OrderActionRefused, mark_dispatched, order_by_number
from shop.extensions import db
from shop.models import Order, OrderLine, OrderStatus, Product

#: The most orders one press of "mark dispatched" may name.
MOST_AT_ONCE = 500


@dataclass(frozen=True)
class Pick:
    slug: str
    name: str
    units: int


@dataclass(frozen=True)
class DispatchList:
    today: date
    #: Paid orders due out today or earlier: the overdue first, then in the order placed.
    orders: list[Order]
    #: Units of each product across those orders, by name.
    picks: list[Pick]
    #: Paid orders due on a later dispatch day (placed after today's cut-off).
    later: int


def dispatch_list(today: date) -> DispatchList:
    """What goes out today: orders, the pick list, and how many wait for a later day."""
    due = (Order.status == OrderStatus.PAID, Order.dispatch_date <= today)
    orders = db.session.scalars(
        select(Order).where(*due).options(selectinload(Order.lines))
        .order_by(Order.dispatch_date, Order.created_at, Order.id)
    ).all()
    units = func.sum(OrderLine.quantity)
    picks = db.session.execute(
        select(Product.slug, Product.name, units)
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(*due)
        .group_by(Product.id, Product.slug, Product.name)
        .order_by(Product.name)
    ).all()
    later = db.session.scalar(
        select(func.count()).select_from(Order)
        .where(Order.status == OrderStatus.PAID, Order.dispatch_date > today)
    )
    return DispatchList(today, list(orders), [Pick(*row) for row in picks], later or 0)


@dataclass(frozen=True)
class DispatchOutcome:
    dispatched: list[str]
    #: Why each order left out was refused (already dispatched, refunded, unknown).
    refused: list[str]


def dispatch_orders(numbers: list[str], actor: Actor, now: datetime) -> DispatchOutcome:
    """Mark each named paid order dispatched, queueing its customer's email."""
    dispatched, refused = [], []
    for number in dict.fromkeys(numbers):  # each once, in the order given
        order = order_by_number(number)
        if order is None:
            refused.append(f"There is no order {number}.")
            continue
        try:
            # One order, one transaction: a refusal further down keeps the ones already sent.
            mark_dispatched(order, actor, now)
        except OrderActionRefused as exc:
            refused.append(str(exc))
        else:
            dispatched.append(number)
    return DispatchOutcome(dispatched, refused)
