"""The JSON API's one budget per client address: API_RATE_LIMIT over all of /api/v1.

Every call to the API's blueprints spends one from the budget of the client's address, in
scope "api", counted where Flask-Limiter counts (Redis when REDIS_URL is set, so every app
server behind the load balancer draws on the same budget; the same keys Flask-Limiter's
shared limit used) with its strategy. Over it: 429 as problem+json (shop.errors) with
Retry-After, and every answer says where its caller stands in X-RateLimit-Limit, -Remaining
and -Reset, as Flask-Limiter's headers do. The budget was a Flask-Limiter shared limit; that
worked out afresh on each call which limits apply — resolving and parsing the limit string,
building its limit objects, scanning exemptions — for 13 % of a first basket add's CPU. This
one limit is known in advance: one hit, one read of its window for the headers.

Flask-Limiter still enforces the limits decorated on views (checkout, chat, sign-in); they
are spent on top of this budget, as before. While the storage fails (Redis down or hung),
the budget is counted in this process, as Flask-Limiter falls back, and the storage is tried
again after STORAGE_RETRY_SECONDS rather than on every call.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

#: The blueprints of /api/v1 (the chat's and the accounts' calls are part of the API).
BLUEPRINTS = frozenset({"api", "chat_api", "chat_admin_api", "accounts_api"})
SCOPE = "api"
STORAGE_RETRY_SECONDS = 10.0


@lru_cache(maxsize=8)
def _item(text: str) -> RateLimitItem:
    return parse(text)


class Counter:
    """The budget's counts: on the limiter's storage, or this process's while that fails."""

    def __init__(self, limiter: Any) -> None:
        self.limiter = limiter
        self.local = None
        self.failed_at: float | None = None

    def run(self, action: Callable[[Any], Any]) -> Any:
        if self.failed_at is None or time.monotonic() - self.failed_at >= STORAGE_RETRY_SECONDS:
            try:
                done = action(self.limiter.limiter)
            except Exception:  # noqa: BLE001  (any storage failure: Redis refused, hung or gone)
                log.warning("the API budget's storage failed; counting in this process",
                            exc_info=True)
                self.failed_at = time.monotonic()
            else:
                self.failed_at = None
                return done
        if self.local is None:
            self.local = type(self.limiter.limiter)(MemoryStorage())
        return action(self.local)


def init_app(app: Flask, limiter: Any) -> None:
    """Spend from the budget before each API call; say where it stands on each answer."""
    counter = Counter(limiter)

    def keys() -> tuple[str, ...]:
        prefix = app.config.get("RATELIMIT_KEY_PREFIX") or ""
        found = (get_remote_address(), SCOPE)
        return (prefix, *found) if prefix else found

    @app.before_request
    def spend() -> None:
        if request.blueprint not in BLUEPRINTS or not limiter.enabled:
            return
        item, spent_by = _item(current_app.config["API_RATE_LIMIT"]), keys()
        allowed = counter.run(lambda strategy: strategy.hit(item, *spent_by))
        g.api_budget = (item, spent_by)
        if not allowed:
            reset = counter.run(lambda strategy: strategy.get_window_stats(item, *spent_by))
            raise TooManyRequests(str(item), retry_after=_seconds_until(reset.reset_time))

    @app.after_request
    def say_where_it_stands(response: Response) -> Response:
        spent = g.pop("api_budget", None)
        if spent is None or "X-RateLimit-Limit" in response.headers:
            return response  # a decorated limit's headers, from Flask-Limiter, come first
        item, spent_by = spent
        window = counter.run(lambda strategy: strategy.get_window_stats(item, *spent_by))
        response.headers["X-RateLimit-Limit"] = str(item.amount)
        response.headers["X-RateLimit-Remaining"] = str(window.remaining)
        response.headers["X-RateLimit-Reset"] = str(int(window.reset_time))
        return response


def _seconds_until(at: float) -> int:
    return max(1, math.ceil(at - time.time()))
