"""The customer's signed link to an order: its token, its URL, and the order behind it."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from shop.checkout.orders import expire_unpaid
from shop.extensions import db
from shop.models import Order


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="order-status")


def order_token(number: str) -> str:
    """The secret part of an order's status link."""
    return _signer().dumps(number)


def _token_matches(number: str, token: str) -> bool:
    try:
        return _signer().loads(token) == number
    except BadSignature:
        return False


def status_url(order: Order, **kwargs) -> str:
    """The customer's signed link to the order's page."""
    return url_for("checkout.order", number=order.number, token=order_token(order.number), **kwargs)


def order_from_link(number: str, token: str, *, now: datetime) -> Order | None:
    """The order a status link names, or None when there is none or the token is not its own
    (so a wrong token looks like no order at all)."""
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or not _token_matches(number, token):
        return None
    expire_unpaid(now, [order])  # lazily, so a stale reservation never outlives its time
    return order
