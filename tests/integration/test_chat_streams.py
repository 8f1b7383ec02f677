"""Server-sent events: messages arrive within a second, resume without loss or duplicates,
heartbeats keep quiet streams open, and a dropped connection catches up when it returns."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from shop import create_app
from shop.chat.events import hub
from shop.extensions import db
from tests.factories import sign_in

pytestmark = pytest.mark.usefixtures("stopped_hubs")


class Stream:
    """An SSE connection read event by event (comments included), as EventSource reads it."""

    def __init__(self, url: str, headers: dict | None = None) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        self.connection.request("GET", f"{parts.path}?{parts.query}", headers=headers or {})
        # http.client lets go of the socket once a response says it will close; keep it.
        self.sock = self.connection.sock
        self.response = self.connection.getresponse()

    def next(self, timeout: float = 3) -> dict:
        """The next event or comment: {"id", "event", "data"} or {"comment"}."""
        self.sock.settimeout(timeout)
        event: dict = {}
        while True:
            line = self.response.readline().decode().rstrip("\n")
            if line == "":
                if event:
                    return event
                continue
            field, _, value = line.partition(":")
            event["comment" if field == "" else field] = value.removeprefix(" ")

    def messages(self, n: int, timeout: float = 3) -> list[dict]:
        """The next `n` message events (skipping comments and state events)."""
        found = []
        deadline = time.monotonic() + timeout
        while len(found) < n:
            event = self.next(max(deadline - time.monotonic(), 0.01))
            if event.get("event") == "message":
                found.append({"id": int(event["id"]), **json.loads(event["data"])})
        return found

    def close(self) -> None:
        self.response.close()
        self.sock.close()
        self.connection.close()


@pytest.fixture
def stopped_hubs(app: Flask) -> Iterator[None]:
    """Each test's listening thread ends with the test."""
    yield
    found = app.extensions.get("chat_hub")
    if found is not None:
        found.stop()


@pytest.fixture
def conversation(app: Flask, live_server: str) -> dict:
    """A conversation started through the API: its id and token."""
    client = app.test_client()
    started = client.post("/api/v1/chat/conversations", json={"message": "Hello"}).get_json()
    return {"id": started["conversation"]["id"], "token": started["token"], "client": client}


def events_url(base: str, conversation: dict) -> str:
    cid, token = conversation["id"], conversation["token"]
    return f"{base}/api/v1/chat/conversations/{cid}/events?token={token}"


def say(conversation: dict, body: str, client=None) -> int:
    client = client or conversation["client"]
    response = client.post(
        f"/api/v1/chat/conversations/{conversation['id']}/messages?token={conversation['token']}",
        json={"body": body},
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def open_stream(url: str, headers: dict | None = None) -> Stream:
    """Open a stream and read up to its first comment, so it is surely listening."""
    stream = Stream(url, headers)
    try:
        assert stream.next() == {"retry": "2000", "comment": "connected"}
    except BaseException:
        stream.close()
        raise
    return stream


def test_a_stream_is_an_uncached_event_stream(live_server, conversation):
    stream = open_stream(events_url(live_server, conversation))
    try:
        assert stream.response.status == 200
        assert stream.response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        assert stream.response.headers["Cache-Control"] == "no-store"
        [first] = stream.messages(1)
        assert first["body"] == "Hello" and first["author"] == "customer"
    finally:
        stream.close()


def test_a_message_arrives_within_a_second(live_server, conversation):
    stream = open_stream(events_url(live_server, conversation))
    try:
        stream.messages(1)  # the first message, sent on connecting
        sent = time.monotonic()
        say(conversation, "Are you there?")
        [message] = stream.messages(1, timeout=1)
        assert message["body"] == "Are you there?"
        assert time.monotonic() - sent < 1
    finally:
        stream.close()


def arrives_within_a_second_from_another_server(app, live_server, conversation, database_url,
                                                **config) -> None:
    """A message written through another app (as on another server) reaches the stream."""
    other = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                        "CLOCK": app.config["CLOCK"], **config})
    stream = open_stream(events_url(live_server, conversation))
    try:
        stream.messages(1)
        sent = time.monotonic()
        say(conversation, "From the other server", other.test_client())
        [message] = stream.messages(1, timeout=1)
        assert message["body"] == "From the other server"
        assert time.monotonic() - sent < 1
    finally:
        stream.close()
        with other.app_context():
            db.engine.dispose()


def test_a_message_written_by_another_server_arrives_within_a_second_without_redis(
    app, live_server, conversation, database_url
):
    # Another app server (its own app, its own process as far as the stream can tell): the
    # stream learns of its message only from the database, polled every CHAT_POLL_SECONDS.
    arrives_within_a_second_from_another_server(app, live_server, conversation, database_url)


def test_last_event_id_resumes_without_loss_or_duplicates(live_server, conversation):
    ids = [say(conversation, f"message {n}") for n in range(3)]
    stream = open_stream(events_url(live_server, conversation), {"Last-Event-ID": str(ids[0])})
    try:
        assert [m["id"] for m in stream.messages(2)] == ids[1:]
        later = say(conversation, "and one more")
        assert [m["id"] for m in stream.messages(1)] == [later]
    finally:
        stream.close()


def test_a_dropped_connection_catches_up_when_it_reconnects(app, live_server, conversation):
    stream = open_stream(events_url(live_server, conversation))
    [first] = stream.messages(1)
    stream.close()  # the train goes into a tunnel
    missed = [say(conversation, "while you were away"), say(conversation, "still here")]
    again = open_stream(events_url(live_server, conversation), {"Last-Event-ID": str(first["id"])})
    try:
        assert [m["id"] for m in again.messages(2)] == missed
    finally:
        again.close()


def test_a_quiet_stream_sends_heartbeats_and_is_let_go_when_the_client_leaves(
    app, live_server, conversation
):
    app.config["CHAT_HEARTBEAT_SECONDS"] = 0.3
    stream = open_stream(events_url(live_server, conversation))
    stream.messages(1)
    started = time.monotonic()
    while "comment" not in (event := stream.next(timeout=1)):
        assert event["event"] == "conversation"  # the state sent beside the first message
    assert event == {"comment": "heartbeat"}
    assert stream.next(timeout=1) == {"comment": "heartbeat"}
    assert time.monotonic() - started < 1.5  # two beats 0.3 s apart, nothing else
    assert hub(app).streams() == 1
    stream.close()
    deadline = time.monotonic() + 3
    while hub(app).streams() and time.monotonic() < deadline:
        time.sleep(0.1)  # the next heartbeat finds the connection gone
    assert hub(app).streams() == 0


def test_staff_follow_every_conversation_on_the_inbox_stream(
    app, live_server, conversation, staff_user
):
    staff = app.test_client()
    sign_in(staff, staff_user)
    cookie = f"session={staff.get_cookie('session').value}"
    stream = open_stream(f"{live_server}/admin/chat/events?after=0", {"Cookie": cookie})
    try:
        assert stream.response.status == 200
        [first] = stream.messages(1)
        assert first["conversation_id"] == conversation["id"] and first["body"] == "Hello"
        second = conversation["client"].post("/api/v1/chat/conversations",
                                             json={"message": "Another customer"}).get_json()
        [message] = stream.messages(1, timeout=1)
        assert message["conversation_id"] == second["conversation"]["id"]
    finally:
        stream.close()


def test_the_inbox_stream_is_for_staff_only(live_server):
    connection = http.client.HTTPConnection(urlsplit(live_server).hostname,
                                            urlsplit(live_server).port, timeout=5)
    connection.request("GET", "/admin/chat/events")
    assert connection.getresponse().status == 303  # to the sign-in page
    connection.close()


def test_across_servers_redis_carries_the_news(app, live_server, conversation, database_url,
                                               redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    app.config["CHAT_POLL_SECONDS"] = 60  # were it polling, it would be far too late
    arrives_within_a_second_from_another_server(app, live_server, conversation, database_url,
                                                REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix)
