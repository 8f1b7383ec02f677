"""Discount codes in the database: look one up, offer it to a basket, hold and give back uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

from sqlalchemy import Insert, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from shop.discounts.models import DiscountCode, DiscountUse
from shop.domain.discounts import (
    CODE_PATTERN,
    Discount,
    Reason,
    Refusal,
    evaluate,
    normalise_code,
)
from shop.extensions import db
from shop.models import Order

Offer = Callable[[int], Discount | Refusal]


class DiscountRefused(Exception):
    """A code that cannot be applied or used; `refusal` says why."""

    status = 422

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
        self.detail = refusal.message


def unknown(code: str) -> Refusal:
    """The refusal of a code nobody created (named only if it could be a code at all)."""
    named = f" {code}" if CODE_PATTERN.match(code) else ""
    return Refusal(code if named else "", Reason.UNKNOWN,
                   f"We don't recognise the code{named}. Please check it and try again.")


def code_by_name(code: str) -> DiscountCode | None:
    """The code typed, in any case, or None."""
    code = normalise_code(code)
    if not CODE_PATTERN.match(code):
        return None
    return db.session.scalar(select(DiscountCode).where(DiscountCode.code == code))


def customer_uses(discount_id: int, email: str) -> int:
    """How many orders held by this email (any case) use the code now."""
    return db.session.scalar(
        select(func.count(DiscountUse.id)).where(
            DiscountUse.discount_id == discount_id, DiscountUse.email == email.strip().lower()
        )
    )


def offer_for(code: str | None, now: datetime, email: str | None = None) -> Offer | None:
    """The rule of `code` for a goods subtotal at `now` (for `email`'s past uses, when known),
    or None when no code is given."""
    if not code:
        return None
    row = code_by_name(code)
    if row is None:
        refusal = unknown(normalise_code(code))
        return lambda _subtotal: refusal
    terms = row.terms()
    past = customer_uses(row.id, email) if email and row.once_per_customer else 0
    return lambda subtotal: evaluate(terms, subtotal, past, now)


def reserve_use(discount: Discount, order: Order, now: datetime) -> None:
    """Take one use of the code for `order`, in the caller's transaction (the one reserving the
    stock), or raise DiscountRefused having taken none (the caller rolls back)."""
    row = code_by_name(discount.code)
    if row is None:
        raise DiscountRefused(unknown(discount.code))
    # The check and the increment are one UPDATE: of ten buyers of the last use, the database
    # lets exactly one through, whatever the interleaving (the others see the row changed).
    taken = db.session.execute(
        update(DiscountCode)
        .where(
            DiscountCode.id == row.id,
            DiscountCode.active.is_(True),
            or_(DiscountCode.max_uses.is_(None), DiscountCode.uses < DiscountCode.max_uses),
            or_(DiscountCode.starts_at.is_(None), DiscountCode.starts_at <= now),
            or_(DiscountCode.ends_at.is_(None), DiscountCode.ends_at > now),
        )
        .values(uses=DiscountCode.uses + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        db.session.refresh(row)
        refusal = evaluate(row.terms(), order.subtotal_pence, 0, now)
        if not isinstance(refusal, Refusal):  # only the use limit can have changed meanwhile
            refusal = Refusal(row.code, Reason.USED_UP, f"{row.code} has been used up.")
        raise DiscountRefused(refusal)
    values = {"discount_id": row.id, "order_id": order.id, "email": order.email.strip().lower(),
              "once": row.once_per_customer, "created_at": now}
    statement = _use_statement(db.session.get_bind().dialect.name)
    if db.session.execute(statement, values).scalar() is None:
        raise DiscountRefused(Refusal(
            row.code, Reason.ALREADY_USED,
            f"{row.code} can be used once per customer, and you have used it already."))


@cache
def _use_statement(dialect: str) -> Insert:
    """Record a use; for a once-per-customer code, nothing when the email holds one already.

    Two checkouts by one customer at once would both pass the count; the partial unique index
    lets only the first insert, atomically, on PostgreSQL and SQLite alike.
    """
    table = DiscountUse.__table__
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    names = ("discount_id", "order_id", "email", "once", "created_at")
    statement = insert_into(table).values({name: bindparam(name) for name in names})
    return statement.on_conflict_do_nothing(
        index_elements=[table.c.discount_id, table.c.email], index_where=text("once")
    ).returning(table.c.id)


def release_use(order: Order) -> None:
    """Give back the use an order held (it expired or its payment failed); safe to repeat."""
    released = db.session.scalar(
        delete(DiscountUse).where(DiscountUse.order_id == order.id).returning(
            DiscountUse.discount_id)
    )
    if released is not None:
        db.session.execute(
            update(DiscountCode)
            .where(DiscountCode.id == released, DiscountCode.uses > 0)
            .values(uses=DiscountCode.uses - 1)
            .execution_options(synchronize_session=False)
        )


def retake_use(order: Order, now: datetime) -> None:
    """A late payment of an order whose use was given back: it counts again, even beyond the
    limit (the customer has paid the discounted price)."""
    if not order.discount_code:
        return
    row = code_by_name(order.discount_code)
    held = db.session.scalar(select(DiscountUse.id).where(DiscountUse.order_id == order.id))
    if row is None or held is not None:
        return
    db.session.add(DiscountUse(discount_id=row.id, order_id=order.id,
                               email=order.email.strip().lower(), once=False, created_at=now))
    db.session.execute(
        update(DiscountCode).where(DiscountCode.id == row.id)
        .values(uses=DiscountCode.uses + 1).execution_options(synchronize_session=False)
    )

