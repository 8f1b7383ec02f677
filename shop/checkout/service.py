"""Placing an order: price the basket, reserve its stock, record the order, open its payment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta

from flask import current_app

from shop.basket.service import price_basket
from shop.checkout.limits import check_line_quantities, check_pending_orders
from shop.checkout.orders import expire_unpaid, supersede_pending
from shop.checkout.stock import release_stock, reserve_stock
from shop.discounts.service import DiscountRefused, release_use, reserve_use
from shop.domain.customer import Customer
from shop.domain.delivery import DeliveryEstimate, DeliveryRule, goods_subtotal
from shop.domain.discounts import Discount
from shop.extensions import db
from shop.models import Basket, Order, OrderLine, OrderStatus, Product
from shop.payments import PaymentError, PaymentGateway
from shop.transaction import transaction

log = logging.getLogger(__name__)


class BasketNotReady(Exception):
    """The basket is empty, or a line in it cannot be sold as it stands."""


class DiscountNoLongerApplies(BasketNotReady):
    """The basket's code stopped applying: it is taken off, and the customer sees the new
    total before paying it (never a price other than the one the basket showed)."""


def place_order(
    basket: Basket | None,
    customer: Customer,
    *,
    rule: DeliveryRule,
    estimate: DeliveryEstimate,
    payments: PaymentGateway,
    now: datetime,
    client_address: str = "",
) -> Order:
    """Turn the visitor's basket into a pending order at today's prices and delivery rule.

    Raises BasketNotReady, OutOfStock, LimitReached, QuantityCapped (nothing is stored) or
    PaymentError (the order is closed and its stock released).
    """
    if basket is not None:
        # A second submission replaces the first order, so its stock is not held twice.
        supersede_pending(basket.id, now)
    # The code is checked again here, for this customer's email (once-per-customer codes).
    priced = price_basket(basket, rule, now, email=customer.email)
    if basket is None or not priced.lines:
        raise BasketNotReady("Your basket is empty.")
    if not priced.can_checkout:
        raise BasketNotReady(" ".join(priced.problems))
    if priced.code_refusal is not None:
        _drop_code(basket, priced.code_refusal.message)
    # price_basket loaded these products: the session hands back the same objects.
    lines = [(db.session.get(Product, line.product_id), line.quantity) for line in priced.lines]
    check_line_quantities(lines)
    # After supersede_pending: a resubmitted basket's own earlier order no longer counts.
    check_pending_orders(customer.email, client_address, now)
    try:
        return create_order(
            customer,
            lines,
            delivery_pence=priced.quote.price_pence,
            dispatch_date=estimate.dispatch_date,
            delivery_date=estimate.delivery_date,
            now=now,
            payments=payments,
            basket_id=basket.id,
            discount=priced.discount,
            client_address=client_address,
        )
    except DiscountRefused as exc:  # someone took the last use between the basket and now
        _drop_code(basket, exc.refusal.message)


def _drop_code(basket: Basket, why: str) -> None:
    with transaction():
        basket.discount_code = None
    raise DiscountNoLongerApplies(
        f"{why} We have taken the code off your basket: please check the new total."
    )


def _delivery_columns(customer: Customer) -> dict[str, str]:
    """The customer's details as an order keeps them, whose address lines are address_line1
    and address_line2."""
    columns = asdict(customer)
    columns["address_line1"] = columns.pop("line1")
    columns["address_line2"] = columns.pop("line2")
    return columns


def create_order(
    customer: Customer,
    lines: Sequence[tuple[Product, int]],
    delivery_pence: int,
    dispatch_date: date,
    delivery_date: date,
    now: datetime,
    *,
    payments: PaymentGateway,
    basket_id: int | None = None,
    discount: Discount | None = None,
    client_address: str = "",
) -> Order:
    """Reserve the stock (and a use of the discount code) and record a pending order, then open
    its PaymentIntent.

    Prices come from the products as they are now, never from the client. Raises OutOfStock
    or DiscountRefused (nothing is stored) or PaymentError (the order is closed and its stock
    and code use released).
    """
    expire_unpaid(now)  # lazily: stock held by abandoned orders goes back on sale first
    subtotal = goods_subtotal((product.price_pence, quantity) for product, quantity in lines)
    off = discount.amount_pence if discount else 0
    with transaction():
        reserve_stock(lines)
        order = Order(
            **_delivery_columns(customer),
            subtotal_pence=subtotal,
            delivery_pence=delivery_pence,
            total_pence=subtotal - off + delivery_pence,
            discount_code=discount.code if discount else None,
            discount_pence=off,
            dispatch_date=dispatch_date,
            delivery_date=delivery_date,
            basket_id=basket_id,
            client_address=client_address[:45],
            created_at=now,
            expires_at=now + timedelta(minutes=current_app.config["ORDER_EXPIRY_MINUTES"]),
            lines=[
                OrderLine(product_id=product.id, product_slug=product.slug,
                          product_name=product.name, unit_price_pence=product.price_pence,
                          quantity=quantity)
                for product, quantity in lines
            ],
        )
        db.session.add(order)
        db.session.flush()
        order.number = f"KS-{order.id:06d}"
        if discount is not None:
            # In the stock's transaction: a refused use leaves no stock taken, and no order.
            reserve_use(discount, order, now)
    # The order is committed before Stripe is called: no lock is held across the network.
    try:
        intent = payments.create_intent(order.total_pence, order.number)
    except PaymentError:
        log.exception("could not open a PaymentIntent for %s", order.number)
        with transaction():
            order.status = OrderStatus.PAYMENT_FAILED
            release_stock(order)
            release_use(order)
        raise
    with transaction():
        order.payment_intent_id = intent.id
        order.payment_client_secret = intent.client_secret
    return order


def pay_with_test_card(order: Order, card_number: str, payments: PaymentGateway) -> None:
    """Sandbox only: confirm the order's PaymentIntent with a typed test card number.

    The order still becomes paid only when Stripe's webhook says so.
    """
    if order.status != OrderStatus.PENDING_PAYMENT or not order.payment_intent_id:
        raise PaymentError("This order is not waiting for payment.")
    payments.pay_with_test_card(order.payment_intent_id, card_number)
