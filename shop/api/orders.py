"""Checkout and order-status calls of the API."""

from __future__ import annotations

from flask import request, url_for

from shop.accounts.checkout import order_placed
from shop.api import bp
from shop.api.schemas import CheckoutResult, Order, OrderQuery, Payment
from shop.api.spec import operation
from shop.basket.cookie import current_basket
from shop.checkout.limits import LimitReached, QuantityCapped, rate_limited
from shop.checkout.links import order_from_link, order_token, status_url
from shop.checkout.service import BasketNotReady, place_order
from shop.checkout.stock import OutOfStock
from shop.domain.customer import CheckoutDetails
from shop.errors import Problem, or_404
from shop.payments import PaymentError, gateway
from shop.web import delivery_estimate, delivery_rule, now


@bp.post("/checkout")
@rate_limited
@operation("checkout", 201, CheckoutResult, (400, 409, 415, 422, 503))
def checkout(json: CheckoutDetails):
    """Place an order for the caller's basket and open its Stripe PaymentIntent.

    Reserves the stock and opens a PaymentIntent for the total computed on the server. The
    order becomes paid only through Stripe's webhook.
    """
    at = now()
    try:
        order = place_order(current_basket(), json.customer(), rule=delivery_rule(),
                            estimate=delivery_estimate(at), payments=gateway(), now=at,
                            client_address=request.remote_addr or "")
    except BasketNotReady as exc:
        raise Problem(409, str(exc)) from None
    except QuantityCapped as exc:
        raise Problem(422, str(exc), title="Too many of one product") from None
    except LimitReached as exc:
        raise Problem(429, str(exc), title="Too many unpaid orders") from None
    except OutOfStock as exc:
        raise Problem(409, str(exc), title="Not enough stock") from None
    except PaymentError:
        raise Problem(503, "The payment provider is unreachable; nothing was charged.") from None
    order_placed(order)
    result = CheckoutResult(
        order=Order.of(order),
        status_url=status_url(order, _external=True),
        payment=Payment(provider="stripe", payment_intent_id=order.payment_intent_id,
                        client_secret=order.payment_client_secret,
                        publishable_key=gateway().publishable_key),
    )
    api_url = url_for("api.order", number=order.number, token=order_token(order.number))
    return result, 201, {"Location": api_url}


@bp.get("/orders/<number>")
@operation("getOrder", 200, Order, (404,))
def order(number: str, query: OrderQuery):
    """An order's state, with the token from its status_url; without it the order is a 404."""
    found = order_from_link(number, query.token, now=now())
    return Order.of(or_404(found, "No order matches that number and token."))
