"""A small cache for figures that are costly to compute and fine to be a little old.

With REDIS_URL set, entries live in Redis, so every app server behind the load balancer
shares them (and one server's work saves the others theirs); without it, they live in this
process, which is all a single-server shop needs. Values are JSON. If Redis fails, the cache
reports a miss and the caller computes the value: the cache can make the shop faster, never
break it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
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
        self.entries: dict[str, tuple[float, Any]] = {}
        self.max_entries = max_entries
        self.clock = clock

    def get(self, key: str) -> Any | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def set(self, key: str, value: Any, ttl: float) -> None:
        if len(self.entries) >= self.max_entries:
            now = self.clock()
            self.entries = {k: e for k, e in self.entries.items() if e[0] > now}
            if len(self.entries) >= self.max_entries:
                self.entries.clear()
        self.entries[key] = (self.clock() + ttl, value)

    def forget(self, key: str) -> None:
        self.entries.pop(key, None)


class RedisCache:
    """Redis, shared by every app server."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.errors = (redis.RedisError, OSError)

    def get(self, key: str) -> Any | None:
        try:
            raw = self.redis.get(self.prefix + key)
        except self.errors as exc:
            log.warning("cache read failed, computing instead: %s", exc)
            return None
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: float) -> None:
        try:
            self.redis.set(self.prefix + key, json.dumps(value), px=max(1, int(ttl * 1000)))
        except self.errors as exc:
            log.warning("cache write failed: %s", exc)

    def forget(self, key: str) -> None:
        try:
            self.redis.delete(self.prefix + key)
        except self.errors as exc:
            log.warning("cache delete failed (the entry lives out its time): %s", exc)


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
    app.extensions["shop_cache"] = RedisCache(url, prefix) if url else LocalCache()
