"""Real servers, and servers that fail, on loopback: an SMTP sink, a closed port, a black hole."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from functools import cache
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.machine import free_port


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def race(target: Callable[[], object]) -> list[object]:
    """Run `target` in two threads released at the same instant; what each returned."""
    start = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        start.wait()
        results.append(target())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@cache
def certificate() -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made once per run with openssl."""
    folder = Path(tempfile.mkdtemp(prefix="smtp-sink-"))
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class SmtpSink:
    """A real SMTP server (aiosmtpd) that requires STARTTLS and keeps what it accepts.

    `delay` makes each delivery take that long (to race two senders on it); `refuse` is a
    reply given to every recipient instead of accepting it (e.g. "550 no such mailbox").
    """

    def __init__(self, delay: float = 0, refuse: str = "") -> None:
        self.cert, key = certificate()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, key)
        self.delay, self.refuse = delay, refuse
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     tls_context=tls, require_starttls=True)

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def settings(self, trusted: bool = True) -> dict:
        """The shop's SMTP settings for this server (its certificate trusted, or not)."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
                "SMTP_CA_FILE": str(self.cert) if trusted else ""}

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
