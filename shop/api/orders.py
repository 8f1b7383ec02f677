"""Checkout and order-status calls of the API."""

from __future__ import annotations

from flask import request, url_for

from shop.api import bp
from shop.api.basket import json_body
from shop.basket.cookie import current_basket
from shop.checkout.links import order_from_link, order_token, status_url
from shop.checkout.orders import order_json
from shop.checkout.service import BasketNotReady, place_order
from shop.checkout.stock import OutOfStock
from shop.domain.customer import validate_customer
from shop.errors import Problem
from shop.payments import PaymentError, gateway
from shop.web import delivery_estimate, delivery_rule, now


@bp.post("/checkout")
def checkout():
    """Place an order for the caller's basket and open its Stripe PaymentIntent."""
    customer, errors = validate_customer(json_body())
    if errors:
        detail = "; ".join(f"{name}: {message}" for name, message in errors.items())
        raise Problem(422, detail)
    at = now()
    try:
        order = place_order(current_basket(), customer, rule=delivery_rule(),
                            estimate=delivery_estimate(at), payments=gateway(), now=at)
    except BasketNotReady as exc:
        raise Problem(409, str(exc)) from None
    except OutOfStock as exc:
        raise Problem(409, str(exc), title="Not enough stock") from None
    except PaymentError:
        raise Problem(503, "The payment provider is unreachable; nothing was charged.") from None
    link = status_url(order, _external=True)
    body = {
        "order": order_json(order),
        "status_url": link,
        "payment": {
            "provider": "stripe",
            "payment_intent_id": order.payment_intent_id,
            "client_secret": order.payment_client_secret,
            "publishable_key": gateway().publishable_key,
        },
    }
    api_url = url_for("api.order", number=order.number, token=order_token(order.number))
    return body, 201, {"Location": api_url}


@bp.get("/orders/<number>")
def order(number: str):
    """An order's state; without the right token it does not exist (404)."""
    order = order_from_link(number, request.args.get("token", ""), now=now(), payments=gateway())
    if order is None:
        raise Problem(404, "No order matches that number and token.")
    return order_json(order)
