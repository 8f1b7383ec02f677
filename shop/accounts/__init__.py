"""Customer accounts at /account/: sign-up, sign-in, orders, addresses and the customer's data.

The customer's session is kept apart from the staff's (see session.py).
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("accounts", __name__)
#: The account calls of /api/v1 (SPEC §2), on the API's per-address budget (shop.api_budget).
api_bp = Blueprint("accounts_api", __name__)

#: Sign-in budgets (shop.accounts.limits), in Flask-Limiter's notation.
SETTINGS = {
    "CUSTOMER_LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "CUSTOMER_LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
}


def init_app(app: Flask) -> None:
    """The /account pages, the header's "Sign in" or first name, and the account API."""
    from shop.accounts import api, views  # noqa: F401  (views register on bp and the API's)
    from shop.accounts.session import current_customer
    from shop.domain.accounts import first_name
    from shop.extensions import csrf, db

    for name, default in SETTINGS.items():
        app.config.setdefault(name, os.environ.get(name) or default)
    # A customer stays signed in across browser restarts (a permanent session), but the cookie
    # is sent only when the session changes: Flask's default re-sends a permanent session's
    # cookie on every response, so a slow request from the page just left (a chat-status poll)
    # overwrote what the next page had stored (its flash message, say).
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False

    @app.template_global()
    def signed_in_first_name() -> str | None:
        """The header's name for the signed-in customer, or None for "Sign in"."""
        try:
            customer = current_customer()
        except SQLAlchemyError:
            # Error pages draw the header too, and must not fail because the database did.
            db.session.rollback()
            return None
        return (first_name(customer.name) or "Your account") if customer else None

    from shop.accounts.checkout import saved_addresses

    app.add_template_global(saved_addresses)
    app.register_blueprint(bp, url_prefix="/account")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # JSON bodies only: another site's form cannot send one
