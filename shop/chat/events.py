"""Real time: a change is announced once it commits, and streams wake and read what changed.

The database is the only source of what a stream sends: an announcement only says "this
conversation changed", so a lost or doubled one costs a read, never a message. Across app
servers the announcement travels by Redis pub/sub (REDIS_URL); without Redis (`make run` on
SQLite) each stream process polls the chat_events table, which every change writes to.
A stream also reads again at every heartbeat, so nothing waits longer than that even if an
announcement is lost while Redis reconnects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from shop.extensions import db

log = logging.getLogger(__name__)

_PENDING = "chat_announce"
#: The subscription key of streams that follow every conversation (the staff inbox).
EVERY = 0
#: chat_events are only a wake-up list: a day of them is plenty for any poller to catch up.
KEEP_EVENTS = timedelta(days=1)


def announce_on_commit(session: Session, conversation_id: int) -> None:
    """Announce that this conversation changed once `session` commits (not if it rolls back)."""
    session.info.setdefault(_PENDING, set()).add(conversation_id)


@sa_event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids and has_app_context():
        announce(current_app._get_current_object(), ids)


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def channel(app: Flask) -> str:
    """The Redis channel the shop's chat announcements go through."""
    return f"{app.config['RATELIMIT_KEY_PREFIX']}:chat"


def _redis(app: Flask):
    client = app.extensions.get("chat_redis")
    if client is None:
        import redis

        client = app.extensions["chat_redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
        )
    return client


def announce(app: Flask, ids: set[int]) -> None:
    """Tell this process's streams at once, and every other server's through Redis."""
    hub = app.extensions.get("chat_hub")
    if hub is not None:
        hub.wake(ids)
    if app.config.get("REDIS_URL"):
        import redis

        try:
            _redis(app).publish(channel(app), ",".join(str(i) for i in sorted(ids)))
        except (redis.RedisError, OSError) as exc:
            # The change is committed; streams elsewhere see it at their next heartbeat.
            log.warning("chat announcement not published: %s", exc)


class Hub:
    """This process's waiting streams, by conversation, and the one thread that wakes them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.waiting: dict[int, set[threading.Event]] = {}
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def subscribe(self, key: int) -> threading.Event:
        """A fresh event set whenever conversation `key` (or, for EVERY, any) changes."""
        woken = threading.Event()
        with self.lock:
            self.waiting.setdefault(key, set()).add(woken)
            if self.thread is None:
                self.thread = threading.Thread(target=self._listen, name="chat-hub", daemon=True)
                self.thread.start()
        return woken

    def unsubscribe(self, key: int, woken: threading.Event) -> None:
        """Stop waking this stream."""
        with self.lock:
            streams = self.waiting.get(key)
            if streams is not None:
                streams.discard(woken)
                if not streams:
                    del self.waiting[key]

    def wake(self, ids: set[int] | None) -> None:
        """Wake the streams of these conversations and the inbox's (None: every stream)."""
        with self.lock:
            if ids is None:
                targets = [e for streams in self.waiting.values() for e in streams]
            else:
                targets = [e for key in (*ids, EVERY) for e in self.waiting.get(key, ())]
        for woken in targets:
            woken.set()

    def streams(self) -> int:
        """How many streams wait here now."""
        with self.lock:
            return sum(len(streams) for streams in self.waiting.values())

    def stop(self) -> None:
        """End the listening thread (tests; a server process simply exits)."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def _listen(self) -> None:
        source = self._redis_messages if self.app.config.get("REDIS_URL") else self._poll
        while not self.stopping.is_set():
            try:
                source()
            except Exception:  # noqa: BLE001  (keep the streams alive whatever broke)
                log.exception("chat announcements interrupted; starting again in 1 s")
                self.stopping.wait(1)
                self.wake(None)  # whatever was announced meanwhile, read it now

    def _redis_messages(self) -> None:
        pubsub = _redis(self.app).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(channel(self.app))
        try:
            self.wake(None)  # anything announced before this subscription holds
            while not self.stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is not None and message["type"] == "message":
                    self.wake({int(part) for part in message["data"].split(b",")
                               if part.isdigit()})
        finally:
            pubsub.close()

    def _poll(self) -> None:
        from shop.chat.models import ChatEvent

        every = self.app.config["CHAT_POLL_SECONDS"]
        with self.app.app_context():
            last = db.session.scalar(select(func.max(ChatEvent.id))) or 0
            db.session.remove()
        while not self.stopping.wait(every):
            with self.app.app_context():
                try:
                    rows = db.session.execute(
                        select(ChatEvent.id, ChatEvent.conversation_id)
                        .where(ChatEvent.id > last).order_by(ChatEvent.id)
                    ).all()
                finally:
                    db.session.remove()
            if rows:
                last = rows[-1][0]
                self.wake({conversation_id for _, conversation_id in rows})


def hub(app: Flask) -> Hub:
    """This process's hub, made on first use."""
    with _HUB_LOCK:
        found = app.extensions.get("chat_hub")
        if found is None:
            found = app.extensions["chat_hub"] = Hub(app)
        return found


_HUB_LOCK = threading.Lock()


def purge_events(now: datetime) -> None:
    """Forget wake-up entries older than a day, in the caller's transaction."""
    from shop.chat.models import ChatEvent

    db.session.execute(delete(ChatEvent).where(ChatEvent.created_at < now - KEEP_EVENTS))


#: read(last_id) -> ([(message id, JSON text)], state JSON text or None)
Reader = Callable[[int], tuple[list[tuple[int, str]], str | None]]


def event_stream(app: Flask, key: int, read: Reader, last_id: int) -> Iterator[str]:
    """Server-sent events: each new message once (its id the event id), state changes, and a
    comment line at every quiet heartbeat so proxies keep the connection open."""
    heartbeat = app.config["CHAT_HEARTBEAT_SECONDS"]
    woken = hub(app).subscribe(key)
    sent_state = None
    try:
        yield "retry: 2000\n: connected\n\n"
        while True:
            woken.clear()  # before reading: a change committed during the read wakes us again
            with app.app_context():
                try:
                    items, state = read(last_id)
                finally:
                    db.session.remove()
            chunk = "".join(f"id: {i}\nevent: message\ndata: {data}\n\n" for i, data in items)
            if items:
                last_id = items[-1][0]
            if state is not None and state != sent_state:
                chunk += f"event: conversation\ndata: {state}\n\n"
                sent_state = state
            if chunk:
                yield chunk
            if not woken.wait(heartbeat):
                yield ": heartbeat\n\n"
    finally:
        hub(app).unsubscribe(key, woken)
