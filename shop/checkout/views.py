"""Checkout views: parse, call one service function, render."""

from __future__ import annotations

import logging

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from shop.accounts.checkout import order_placed, prefill
from shop.basket.cookie import current_basket, current_priced_basket
from shop.checkout import bp
from shop.checkout.limits import LimitReached, QuantityCapped, rate_limited
from shop.checkout.links import order_from_link, status_url
from shop.checkout.payment_events import EventRefused, handle_stripe_event
from shop.checkout.service import BasketNotReady, pay_with_test_card, place_order
from shop.checkout.stock import OutOfStock
from shop.domain.customer import validate_customer
from shop.errors import Problem
from shop.extensions import csrf
from shop.models import Order, OrderStatus
from shop.payments import BadSignature, CardDeclined, PaymentError, gateway
from shop.security import CSP
from shop.web import delivery_estimate, delivery_rule, now

# Live mode's payment page loads Stripe.js and its frames, and nothing else from outside.
STRIPE_JS_CSP = (
    CSP.replace("script-src 'self'", "script-src 'self' https://js.stripe.com").replace(
        "connect-src 'self'", "connect-src 'self' https://api.stripe.com"
    )
    + "; frame-src https://js.stripe.com https://hooks.stripe.com"
)

log = logging.getLogger(__name__)


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events; an order becomes paid only here."""
    try:
        event = gateway().verify_event(
            request.get_data(), request.headers.get("Stripe-Signature", "")
        )
    except BadSignature:
        log.warning("stripe webhook with a bad signature from %s", request.remote_addr)
        raise Problem(400, "The Stripe signature does not verify.") from None
    try:
        outcome = handle_stripe_event(event, now())
    except EventRefused as exc:
        raise Problem(400, str(exc)) from None
    return {"received": True, "outcome": outcome}


FIELDS = ("email", "name", "phone", "line1", "line2", "city", "postcode")


def _checkout_page(form: dict, errors: dict, status: int = 200):
    at = now()
    basket = current_priced_basket()
    page = render_template(
        "checkout/checkout.html",
        basket=basket,
        estimate=delivery_estimate(at),
        now=at,
        form=form,
        errors=errors,
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/checkout")
def checkout():
    """The delivery details form beside the basket summary."""
    basket = current_priced_basket()
    if not basket.can_checkout:
        flash("Your basket is empty." if not basket.lines else " ".join(basket.problems), "error")
        return redirect(url_for("basket.index"), code=303)
    return _checkout_page(prefill(request.args.get("address", type=int)), {})


@bp.post("/checkout")
@rate_limited
def place():
    """Place the order: validate, reserve the stock, open the payment, go to the order page."""
    form = {name: request.form.get(name, "")[:10_000] for name in FIELDS}
    customer, errors = validate_customer({
        **{name: form[name] for name in ("email", "name", "phone")},
        "address": {name: form[name] for name in ("line1", "line2", "city", "postcode")},
    })
    if errors:
        return _checkout_page(form, errors, 422)
    at = now()
    try:
        order = place_order(current_basket(), customer, rule=delivery_rule(),
                            estimate=delivery_estimate(at), payments=gateway(), now=at,
                            client_address=request.remote_addr or "")
    except (BasketNotReady, OutOfStock, QuantityCapped) as exc:
        flash(str(exc), "error")
        return redirect(url_for("basket.index"), code=303)
    except LimitReached as exc:
        flash(str(exc), "error")
        return _checkout_page(form, {}, 429)
    except PaymentError:
        flash(
            "We could not reach our payment provider. Nothing was charged; please try again.",
            "error",
        )
        return _checkout_page(form, {}, 503)
    order_placed(order, {**form, "save_address": request.form.get("save_address", "")})
    return redirect(status_url(order), code=303)


def _order_or_404(number: str, token: str) -> Order:
    """The order behind a signed status link, or a 404 page."""
    order = order_from_link(number, token, now=now())
    if order is None:
        abort(404, "We could not find that order. Please use the link from your confirmation.")
    return order


@bp.get("/orders/<number>")
def order(number: str):
    """The customer's order page: pay, then watch the status change to paid."""
    token = request.args.get("token", "")
    order = _order_or_404(number, token)
    payments = gateway()
    response = make_response(
        render_template(
            "checkout/order.html",
            order=order,
            token=token,
            sandbox=payments.sandbox,
            publishable_key=payments.publishable_key,
            paying=request.args.get("paying") == "1",
        )
    )
    response.headers["Cache-Control"] = "no-store"
    if not payments.sandbox and order.status == OrderStatus.PENDING_PAYMENT:
        response.headers["Content-Security-Policy"] = STRIPE_JS_CSP
    return response


@bp.post("/orders/<number>/pay")
def pay(number: str):
    """Sandbox only: pay with a test card typed into the shop's own, clearly marked form."""
    token = request.args.get("token", "")
    order = _order_or_404(number, token)
    if not gateway().sandbox:
        abort(404)
    card = "".join(request.form.get("card_number", "").split())
    if not (card.isdigit() and card.isascii() and 12 <= len(card) <= 19):
        flash("Please type a test card number, such as 4242 4242 4242 4242.", "error")
        return redirect(status_url(order))
    try:
        pay_with_test_card(order, card, gateway())
    except CardDeclined as exc:
        flash(f"{exc} Nothing was charged and your items are still held: try another card.",
              "error")
        return redirect(status_url(order))
    except PaymentError as exc:
        flash(str(exc), "error")
        return redirect(status_url(order))
    return redirect(status_url(order, paying=1))
