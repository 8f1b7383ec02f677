"""Sign-in rate limits that a stranger cannot turn into a lock-out.

Failures are counted twice: per (account, client address), so that guessing at one account
from one place stops quickly; and per client address, so that one place cannot try many
accounts. Neither budget is spent by another address: a stranger who exhausts them locks out
only themselves, never the customer signing in from home. A valid reset link always works.
Counts live in the rate limiter's storage (Redis when configured), shared by every server.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from shop.extensions import limiter

log = logging.getLogger(__name__)


def _budgets(email: str) -> list[tuple]:
    config = current_app.config
    address = get_remote_address() or ""
    account = email.strip().lower()[:254]
    return [
        (parse(config["CUSTOMER_LOGIN_LIMIT_PER_ACCOUNT"]), "customer-sign-in", account, address),
        (parse(config["CUSTOMER_LOGIN_LIMIT_PER_ADDRESS"]), "customer-sign-in", address),
    ]


def _strategies() -> list:
    """The shared limiter first, then this process's own, used while the shared one fails."""
    extensions = current_app.extensions
    if "customer_sign_in_fallback" not in extensions:
        extensions["customer_sign_in_fallback"] = FixedWindowRateLimiter(MemoryStorage())
    return [limiter.limiter, extensions["customer_sign_in_fallback"]]


def _with_limiter(action):
    """Run `action(strategy)` on the shared limiter or, if its storage (Redis) is down, on this
    process's own: the limits still hold, per server, as Flask-Limiter's own fall back."""
    shared, local = _strategies()
    try:
        return action(shared)
    except Exception:  # noqa: BLE001  (any storage failure: Redis refused, hung or gone)
        log.warning("sign-in limits' storage failed; counting in this process", exc_info=True)
        return action(local)


def retry_after(email: str) -> int | None:
    """Seconds until this sign-in may be tried again, or None when it may be tried now."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return None

    def waits(strategy) -> list[int]:
        found = []
        for item, *keys in _budgets(email):
            if not strategy.test(item, *keys):
                reset = strategy.get_window_stats(item, *keys).reset_time
                found.append(max(1, math.ceil(reset - time.time())))
        return found

    found = _with_limiter(waits)
    return max(found) if found else None


def count_failure(email: str) -> None:
    """A wrong email or password spends one from each budget."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    budgets = _budgets(email)
    _with_limiter(lambda strategy: [strategy.hit(item, *keys) for item, *keys in budgets])
