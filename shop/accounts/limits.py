"""Sign-in rate limits that a stranger cannot turn into a lock-out.

Failures are counted twice: per (account, client address), so that guessing at one account
from one place stops quickly; and per client address, so that one place cannot try many
accounts. Neither budget is spent by another address: a stranger who exhausts them locks out
only themselves, never the customer signing in from home. A valid reset link always works.
Counts live in the rate limiter's storage (Redis when configured), shared by every server.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse

from shop.extensions import limiter


def _budgets(email: str) -> list[tuple]:
    config = current_app.config
    address = get_remote_address() or ""
    account = email.strip().lower()[:254]
    return [
        (parse(config["CUSTOMER_LOGIN_LIMIT_PER_ACCOUNT"]), "customer-sign-in", account, address),
        (parse(config["CUSTOMER_LOGIN_LIMIT_PER_ADDRESS"]), "customer-sign-in", address),
    ]


def retry_after(email: str) -> int | None:
    """Seconds until this sign-in may be tried again, or None when it may be tried now."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return None
    strategy = limiter.limiter
    waits = []
    for item, *keys in _budgets(email):
        if not strategy.test(item, *keys):
            reset = strategy.get_window_stats(item, *keys).reset_time
            waits.append(max(1, math.ceil(reset - time.time())))
    return max(waits) if waits else None


def count_failure(email: str) -> None:
    """A wrong email or password spends one from each budget."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    for item, *keys in _budgets(email):
        limiter.limiter.hit(item, *keys)
