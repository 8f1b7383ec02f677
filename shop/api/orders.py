"""The order-status API, reached with the token from the order's status link."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from shop.api import bp
from shop.checkout.orders import expire_unpaid, order_json, token_matches
from shop.errors import Problem
from shop.extensions import db
from shop.models import Order
from shop.web import now


@bp.get("/orders/<number>")
def order(number: str):
    """An order's state; without the right token it does not exist (404)."""
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or not token_matches(number, request.args.get("token", "")):
        raise Problem(404, "No order matches that number and token.")
    expire_unpaid(now(), [order])
    return order_json(order)
