"""A small cache for figures that are costly to compute and fine to be a little old.

With REDIS_URL set, entries live in Redis, so every app server behind the load balancer
shares them (and one server's work saves the others theirs); without it, they live in this
process, which is all a single-server shop needs. Values are JSON. If Redis fails (each call
gives up after REDIS_TIMEOUTS), the process keeps its entries in its own memory for a few
seconds before trying Redis again: the cache can make the shop faster, never break it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_TO_FORGET = "shop_cache_forget"


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: float) -> None: ...

    def forget(self, key: str) -> None: ...


class LocalCache:
    """This process's memory, with expiry and a bound on its size."""

    def __init__(self, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic):
        self.entries: dict[Hashable, tuple[float, Any]] = {}
        self.max_entries = max_entries
        self.clock = clock

    def get(self, key: Hashable) -> Any | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def set(self, key: Hashable, value: Any, ttl: float) -> None:
        if len(self.entries) >= self.max_entries:
            now = self.clock()
            self.entries = {k: e for k, e in self.entries.items() if e[0] > now}
            if len(self.entries) >= self.max_entries:
                self.entries.clear()
        self.entries[key] = (self.clock() + ttl, value)

    def forget(self, key: Hashable) -> None:
        self.entries.pop(key, None)


class RedisCache:
    """Redis, shared by every app server; this process's memory while Redis is unreachable."""

    #: After a failure Redis is left alone this long (seconds): a Redis that is down costs
    #: one timeout, not one per entry on every page.
    RETRY_AFTER = 10.0

    def __init__(self, url: str, prefix: str, timeouts: dict,
                 clock: Callable[[], float] = time.monotonic) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, **timeouts)
        self.prefix = prefix
        self.errors = (redis.RedisError, OSError)
        self.clock = clock
        self.local = LocalCache(clock=clock)
        self.down_until = 0.0

    def _up(self) -> bool:
        return self.clock() >= self.down_until

    def _failed(self, doing: str, exc: Exception) -> None:
        log.warning("cache %s failed; this process keeps its own for %s s: %s",
                    doing, self.RETRY_AFTER, exc)
        self.down_until = self.clock() + self.RETRY_AFTER

    def get(self, key: str) -> Any | None:
        if self._up():
            try:
                raw = self.redis.get(self.prefix + key)
            except self.errors as exc:
                self._failed("read", exc)
            else:
                return None if raw is None else json.loads(raw)
        return self.local.get(key)

    def set(self, key: str, value: Any, ttl: float) -> None:
        if self._up():
            try:
                self.redis.set(self.prefix + key, json.dumps(value), px=max(1, int(ttl * 1000)))
                return
            except self.errors as exc:
                self._failed("write", exc)
        self.local.set(key, value, ttl)

    def forget(self, key: str) -> None:
        self.local.forget(key)
        if self._up():
            try:
                self.redis.delete(self.prefix + key)
            except self.errors as exc:  # the entry in Redis lives out its time
                self._failed("delete", exc)


def remember(key: str, ttl: float, compute: Callable[[], Any]) -> Any:
    """The cached value for `key`, computing and storing it for `ttl` seconds on a miss."""
    if ttl <= 0:
        return compute()
    cache: Cache = current_app.extensions["shop_cache"]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value


def forget_on_commit(session: Session, *keys: str) -> None:
    """Drop these entries once `session`'s transaction commits (and keep them if it rolls
    back), so the next reader computes them from what was committed.

    Without Redis this reaches only this process's memory: other app servers keep their copy
    for the rest of its time to live, which is why only short-lived entries rely on it.
    """
    session.info.setdefault(_TO_FORGET, set()).update(keys)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    keys = session.info.pop(_TO_FORGET, None)
    if keys and has_app_context():
        cache: Cache = current_app.extensions["shop_cache"]
        for name in keys:
            cache.forget(name)


@event.listens_for(Session, "after_rollback")
def _keep_after_rollback(session: Session) -> None:
    session.info.pop(_TO_FORGET, None)


def key(*parts: str) -> str:
    """A short cache key from any strings (a search text may be long or odd)."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def init_app(app: Flask) -> None:
    """Redis when REDIS_URL is set, else this process."""
    url = app.config.get("REDIS_URL")
    prefix = f"{app.config['RATELIMIT_KEY_PREFIX']}:cache:"
    app.extensions["shop_cache"] = (
        RedisCache(url, prefix, app.config["REDIS_TIMEOUTS"]) if url else LocalCache()
    )
