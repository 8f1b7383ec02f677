"""Abuse limits on placing orders: each pending order holds stock for ORDER_EXPIRY_MINUTES, so
nobody may hold the shelves with scripted checkouts.

- CHECKOUT_RATE_LIMIT (default 10 per hour) per client address, shared by the checkout page
  and the API (flask-limiter, see `rate_limited`);
- MAX_PENDING_ORDERS_PER_CLIENT (default 3) unpaid orders at once, counted by client address
  and, separately, by email;
- MAX_LINE_QUANTITY (default 99) units of one product in one order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from shop.extensions import db, limiter
from shop.models import Order, OrderStatus, Product


class LimitReached(Exception):
    """Too many unpaid orders for this client (429); the message is for people."""


class QuantityCapped(Exception):
    """A line asks for more units than one order may hold (422); the message is for people."""


def rate_limited(view: Callable) -> Callable:
    """CHECKOUT_RATE_LIMIT per client address, one budget for the page and the API."""
    return limiter.shared_limit(
        lambda: current_app.config["CHECKOUT_RATE_LIMIT"], scope="checkout", methods=["POST"],
        override_defaults=False,  # the API's own API_RATE_LIMIT still applies
    )(view)


def _pending(*condition, now: datetime) -> int:
    return db.session.scalar(
        select(func.count(Order.id)).where(
            Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at > now, *condition
        )
    )


def check_pending_orders(email: str, client_address: str, now: datetime) -> None:
    """Refuse another unpaid order to a client that holds MAX_PENDING_ORDERS_PER_CLIENT.

    A count, not a lock: checkouts at the same instant may each pass, holding a few orders
    over the limit at most; CHECKOUT_RATE_LIMIT bounds how often that can be tried.
    """
    limit = current_app.config["MAX_PENDING_ORDERS_PER_CLIENT"]
    by_email = _pending(func.lower(Order.email) == email.strip().lower(), now=now)
    by_address = _pending(Order.client_address == client_address, now=now) if client_address else 0
    if max(by_email, by_address) >= limit:
        raise LimitReached(
            f"You already have {limit} orders waiting for payment. Please pay for one of them, "
            "or wait until they expire, before placing another."
        )


def check_line_quantities(lines: Sequence[tuple[Product, int]]) -> None:
    """Refuse a line over MAX_LINE_QUANTITY units."""
    cap = current_app.config["MAX_LINE_QUANTITY"]
    for product, quantity in lines:
        if quantity > cap:
            raise QuantityCapped(
                f"You can order at most {cap} of {product.name} at once; you have {quantity}."
            )
