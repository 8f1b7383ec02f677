"""Live chat's settings, read from the environment; a test's or caller's config wins."""

from __future__ import annotations

import os

from flask import Flask


def from_environment() -> dict:
    """The chat's settings with their laptop defaults."""
    env = os.environ.get
    return {
        # Where offline messages are emailed, and who staff replies come from.
        "SUPPORT_EMAIL": env("SUPPORT_EMAIL") or "support@kefirshop.example",
        # Set by scripts/serve.sh (make run): pages open their streams on this port of the
        # host they came from. Unset: the streams share the page's origin (a proxy routes them).
        "CHAT_STREAM_PORT": int(env("CHAT_STREAM_PORT") or 0) or None,
        # Set only in the stream service's own processes (scripts/serve-streams.sh).
        "CHAT_STREAM_SERVER": env("CHAT_STREAM_SERVER") == "1",
        "CHAT_HEARTBEAT_SECONDS": float(env("CHAT_HEARTBEAT_SECONDS") or 15),
        "CHAT_POLL_SECONDS": float(env("CHAT_POLL_SECONDS") or 0.25),
        "CHAT_LIMIT_PER_CONVERSATION": env("CHAT_LIMIT_PER_CONVERSATION") or "20 per minute",
        "CHAT_LIMIT_PER_ADDRESS": env("CHAT_LIMIT_PER_ADDRESS") or "60 per hour",
        "CHAT_NEW_CONVERSATIONS_PER_ADDRESS": env("CHAT_NEW_CONVERSATIONS_PER_ADDRESS")
        or "10 per hour",
    }


def init_app(app: Flask) -> None:
    """Fill in the chat's settings the app was not given."""
    for name, value in from_environment().items():
        app.config.setdefault(name, value)
