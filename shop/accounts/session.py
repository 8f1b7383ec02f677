"""The customer's own sign-in: a session key and guard apart from the staff's Flask-Login.

Staff sign in through Flask-Login, whose session key (`_user_id`) names a row of `users`;
customers through CUSTOMER_KEY, which names a row of `customers` and the account's session
generation. Neither loader reads the other's key, so a customer's session can never open
/admin (nor the admin API, which takes bearer tokens only), and a staff session is nobody's
customer account.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, redirect, request, session, url_for

from shop.accounts.models import Customer
from shop.extensions import db

CUSTOMER_KEY = "customer"


def current_customer() -> Customer | None:
    """The signed-in customer, or None (looked up once a request, and only when the session
    names one, so a guest's page reads nothing)."""
    if "shop_customer" not in g:
        g.shop_customer = _load()
    return g.shop_customer


def _load() -> Customer | None:
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None  # a guest's page leaves the session untouched (no Vary: Cookie)
    value = session.get(CUSTOMER_KEY)
    if not (isinstance(value, list) and len(value) == 2
            and all(type(part) is int for part in value)):
        return None
    customer = db.session.get(Customer, value[0])
    if customer is None or customer.session_generation != value[1]:
        # Signed out elsewhere, or the password changed: this session has ended.
        session.pop(CUSTOMER_KEY, None)
        return None
    return customer


def start_session(customer: Customer) -> None:
    """Sign this browser in as the customer (at the account's current generation)."""
    session[CUSTOMER_KEY] = [customer.id, customer.session_generation]
    session.permanent = True
    g.shop_customer = customer


def end_session() -> None:
    session.pop(CUSTOMER_KEY, None)
    g.shop_customer = None


def customer_required(view: Callable) -> Callable:
    """Account pages: signed-in customers only; others go to sign in and come back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_customer() is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("accounts.sign_in", next=target), 303)
        return view(*args, **kwargs)

    return wrapper
