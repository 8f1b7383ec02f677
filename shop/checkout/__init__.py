"""Checkout: the order form, the payment page, order status and Stripe's webhook."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

from shop.checkout import views  # noqa: E402,F401  (views register on bp)
