"""The chat's row of `make bench`: storefront pages with 200 idle chat streams open.

The streams are served by their own gthread process (scripts/serve-streams.sh, started by
scripts/serve.sh), so idle ones should cost the storefront's sync workers nothing: the home
page's requests per second with the streams open, over the same without (measured in turns),
should stay at 0.9 or more. Under that load (wrk on the home page, 200 streams open) messages
are posted to some of the conversations and timed from the moment the POST is sent to the
moment the event arrives on the conversation's stream: the delivery time customers and staff
see, its p50 and p99.
"""

from __future__ import annotations

import json
import re
import selectors
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field

STREAMS = 200
MESSAGES = 60
GOAL = 0.9
_EVENT_ID = re.compile(rb"id: (\d+)\n")


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@dataclass
class Streams:
    """Many open event streams read by one thread, noting when each message id arrives."""

    port: int
    arrived: dict[int, float] = field(default_factory=dict)
    sockets: list[socket.socket] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def open(self, paths: list[str]) -> None:
        """Connect every stream and wait until each has answered its first bytes."""
        selector = selectors.DefaultSelector()
        for path in paths:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                         f"Accept: text/event-stream\r\n\r\n".encode())
            self.sockets.append(sock)
        for sock in self.sockets:
            if b" 200 " not in sock.recv(4096).split(b"\r\n", 1)[0]:
                raise SystemExit("a chat stream did not open with 200")
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, bytearray())
        self.thread = threading.Thread(target=self._read, args=(selector,), daemon=True)
        self.thread.start()

    def _read(self, selector: selectors.BaseSelector) -> None:
        while not self.stop.is_set():
            for key, _ in selector.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                now = time.monotonic()
                buffer: bytearray = key.data
                buffer += data
                for match in _EVENT_ID.finditer(buffer):
                    self.arrived.setdefault(int(match.group(1)), now)
                del buffer[: max(0, len(buffer) - 64)]  # an id split across reads survives

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of them lie (nan when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_streams(base: str, stream_port: int, measure, rounds: int) -> dict:
    """Home page req/s with and without 200 idle streams; delivery times under that load.

    `measure()` runs wrk on the home page once and returns its Figure.
    """
    conversations = []
    for n in range(STREAMS):
        started = _post(f"{base}/api/v1/chat/conversations",
                        {"message": f"Bench conversation {n}", "email": f"bench{n}@example.com"})
        first = started["conversation"]["messages"][-1]["id"]
        conversations.append((started["conversation"]["id"], started["token"], first))
    paths = [f"/api/v1/chat/conversations/{cid}/events?token={token}&after={first}"
             for cid, token, first in conversations]

    without, with_streams = [], []
    streams = Streams(stream_port)
    try:
        # In turns, and in alternating order, so neither side always gets the warmer server.
        for n in range(rounds):
            if n % 2 == 0:
                without.append(measure())
                streams = Streams(stream_port)
                streams.open(paths)
                time.sleep(1)
                with_streams.append(measure())
            else:
                with_streams.append(measure())
                streams.close()
                time.sleep(1)
                without.append(measure())
        if not streams.sockets or streams.stop.is_set():
            streams = Streams(stream_port)
            streams.open(paths)
            time.sleep(1)
        # Delivery under load: wrk on the home page in the background, messages posted now.
        load = threading.Thread(target=measure)
        load.start()
        time.sleep(0.5)
        sent: dict[int, float] = {}
        for n in range(MESSAGES):
            cid, token, _ = conversations[(n * 7) % STREAMS]
            before = time.monotonic()
            message = _post(f"{base}/api/v1/chat/conversations/{cid}/messages?token={token}",
                            {"body": f"Delivery {n}"})
            sent[message["id"]] = before
            time.sleep(0.05)
        load.join()
        deadline = time.monotonic() + 5
        while len(set(sent) & set(streams.arrived)) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        delays = [(streams.arrived[i] - t) * 1000 for i, t in sent.items() if i in streams.arrived]
    finally:
        if streams.sockets and not streams.stop.is_set():
            streams.close()
    return {"without": without, "with": with_streams, "delivery_ms": delays,
            "lost": len(sent) - len(delays)}
