"""Orders after they are placed: stock reservations, Stripe events, expiry and links."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from shop.catalogue.queries import forget_product
from shop.extensions import db
from shop.mail import queue_email
from shop.models import BasketLine, Order, OrderStatus, Product, StripeEvent
from shop.payments import PaymentError, gateway

log = logging.getLogger(__name__)


class OutOfStock(Exception):
    """Not enough of a product is left to reserve."""

    def __init__(self, product_name: str) -> None:
        super().__init__(f"Sorry, there is not enough {product_name} in stock.")
        self.product_name = product_name


class EventRefused(Exception):
    """A webhook event that disagrees with our records."""


def reserve_stock(lines: Iterable[tuple[Product, int]]) -> None:
    """Take units out of stock atomically, or raise OutOfStock and take none (caller rolls back)."""
    # A fixed order of row locks keeps two buyers of the same products from deadlocking.
    for product, quantity in sorted(lines, key=lambda line: line[0].id):
        taken = db.session.execute(
            update(Product)
            .where(Product.id == product.id, Product.active.is_(True), Product.stock >= quantity)
            .values(stock=Product.stock - quantity)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise OutOfStock(product.name)
        forget_product(product.slug)  # its page shows the new stock once the order commits


def release_stock(order: Order) -> None:
    """Put an order's reserved units back on sale."""
    for line in sorted(order.lines, key=lambda line: line.product_id):
        db.session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
        forget_product(line.product_slug)


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


def order_for_intent(intent_id: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.payment_intent_id == intent_id))


def handle_stripe_event(event: dict, now: datetime) -> str:
    """Apply one verified Stripe event exactly once; return what happened, in a word."""
    try:
        db.session.add(StripeEvent(id=event["id"], type=event["type"]))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    intent = event.get("data", {}).get("object", {})
    handler = {
        "payment_intent.succeeded": _payment_succeeded,
        "payment_intent.payment_failed": _payment_failed,
    }.get(event["type"])
    if handler is None:
        db.session.commit()
        return "ignored"
    order = order_for_intent(intent.get("id", ""))
    if order is None:
        db.session.commit()
        log.warning("stripe event %s for unknown intent %s", event["id"], intent.get("id"))
        return "unknown-order"
    outcome = handler(order, intent, now)
    db.session.commit()
    return outcome


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
        transition(order, [order.status], OrderStatus.PENDING_PAYMENT)
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAID):
        return "no-change"
    order.paid_at = now
    if order.basket_id is not None:
        db.session.execute(delete(BasketLine).where(BasketLine.basket_id == order.basket_id))
    queue_email(
        order.email, f"Your Kefir Shop order {order.number}", confirmation_text(order), order.id
    )
    return "paid"


def _payment_failed(order: Order, intent: dict, now: datetime) -> str:
    if not transition(order, [OrderStatus.PENDING_PAYMENT], OrderStatus.PAYMENT_FAILED):
        return "no-change"
    release_stock(order)
    return "payment-failed"


def expire_unpaid(
    now: datetime, orders: Iterable[Order] | None = None, *, early: bool = False
) -> list[Order]:
    """Expire unpaid orders past their time (or now, if `early`) and release their stock."""
    if orders is None:
        orders = db.session.scalars(
            select(Order).where(
                Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now
            )
        ).all()
    expired = []
    for order in orders:
        if (early or order.expires_at <= now) and transition(
            order, [OrderStatus.PENDING_PAYMENT], OrderStatus.EXPIRED
        ):
            release_stock(order)
            expired.append(order)
    db.session.commit()
    for order in expired:
        if order.payment_intent_id:
            try:  # so that a late payment cannot arrive; if it does, the webhook copes
                gateway().cancel(order.payment_intent_id)
            except PaymentError:
                log.warning("could not cancel the PaymentIntent of expired order %s", order.number)
    return expired


def supersede_pending(basket_id: int, now: datetime) -> list[Order]:
    """Close the basket's earlier unpaid orders: a newer order replaces them."""
    pending = db.session.scalars(
        select(Order).where(
            Order.basket_id == basket_id, Order.status == OrderStatus.PENDING_PAYMENT
        )
    ).all()
    return expire_unpaid(now, pending, early=True)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="order-status")


def order_token(number: str) -> str:
    """The secret part of an order's status link."""
    return _signer().dumps(number)


def token_matches(number: str, token: str) -> bool:
    """Whether `token` was issued for this order number."""
    try:
        return _signer().loads(token) == number
    except BadSignature:
        return False


def status_url(order: Order, **kwargs) -> str:
    """The customer's signed link to the order's page."""
    return url_for("checkout.order", number=order.number, token=order_token(order.number), **kwargs)


def confirmation_text(order: Order) -> str:
    """The plain-text order confirmation email."""
    from shop.domain.money import format_gbp

    lines = "\n".join(
        f"  {line.quantity} × {line.product_name}  {format_gbp(line.line_total_pence)}"
        for line in order.lines
    )
    delivery = "FREE" if order.delivery_pence == 0 else format_gbp(order.delivery_pence)
    return (
        f"Hello {order.name},\n\n"
        f"Thank you for your order {order.number}. We have received your payment.\n\n"
        f"{lines}\n\n"
        f"  Subtotal   {format_gbp(order.subtotal_pence)}\n"
        f"  Next-day delivery   {delivery}\n"
        f"  Total   {format_gbp(order.total_pence)}\n\n"
        f"Delivery to: {order.address_line1}, {order.city}, {order.postcode}\n"
        f"Expected delivery: {order.delivery_date:%A %-d %B %Y}\n\n"
        "Questions? Our live chat is open 8am - 8pm every day, and our support is FREE for life.\n"
        "Kefir Shop\n"
    )
