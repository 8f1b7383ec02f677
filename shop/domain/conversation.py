"""Support conversations' rules: what a message may hold, how it is shown, what is waiting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

MAX_BODY = 2000
MAX_NAME = 100

#: http(s) and www. addresses; trailing punctuation stays outside the link ("see x.com.").
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
#: Control characters other than tab and newline have no place in a chat message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidMessage(ValueError):
    """A message the shop will not store; the text says why, for the customer."""


def clean_body(value: object) -> str:
    """The message body as stored: a string of 1-2,000 characters, trimmed, no controls."""
    if not isinstance(value, str):
        raise InvalidMessage("The message must be text.")
    body = _CONTROL.sub("", value.replace("\r\n", "\n")).strip()
    if not body:
        raise InvalidMessage("Please write a message.")
    if len(body) > MAX_BODY:
        raise InvalidMessage(f"A message can be at most {MAX_BODY:,} characters "
                             f"(this one has {len(body):,}).")
    return body


def clean_name(value: object) -> str:
    """An optional display name: text, trimmed, at most 100 characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidMessage("The name must be text.")
    name = _CONTROL.sub("", value).strip()
    if len(name) > MAX_NAME:
        raise InvalidMessage(f"A name can be at most {MAX_NAME} characters.")
    return name


def link_spans(text: str) -> list[tuple[str, str | None]]:
    """Split text into (text, href) pieces; href is None for plain text."""
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for match in _LINK.finditer(text):
        url = match.group(0)
        trimmed = url.rstrip(_TRAILING)
        # A closing bracket that closes one opened inside the address belongs to it.
        while (url != trimmed and url[len(trimmed)] == ")"
               and trimmed.count("(") > trimmed.count(")")):
            trimmed += ")"
        if match.start() > at:
            pieces.append((text[at:match.start()], None))
        href = trimmed if trimmed.lower().startswith("http") else f"https://{trimmed}"
        pieces.append((trimmed, href))
        at = match.start() + len(trimmed)
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def render_body(text: str) -> Markup:
    """Escaped text with its web addresses made links (rel="nofollow noopener"), nothing else."""
    out = []
    for piece, href in link_spans(text):
        if href is None:
            out.append(escape(piece))
        else:
            out.append(Markup('<a href="{}" rel="nofollow noopener" target="_blank">{}</a>')
                       .format(href, piece))
    return Markup("").join(out)


@dataclass(frozen=True)
class Presence:
    """Who is answering a conversation, and until when that holds without a new sign."""

    name: str
    until: datetime

    def current(self, now: datetime) -> bool:
        """Whether the sign still holds at `now`."""
        return now < self.until


def waited_seconds(waiting_since: datetime | None, now: datetime) -> int | None:
    """How long the customer has waited for an answer, or None when nothing waits."""
    if waiting_since is None:
        return None
    return max(0, int((now - waiting_since).total_seconds()))


def say_wait(seconds: int | None) -> str:
    """A wait as staff read it at a glance: '45 s', '12 min', '3 h 5 min', '2 days'."""
    if seconds is None:
        return "answered"
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def clean_email(value: object, required: bool) -> str:
    """An email address to answer to (normalised), or '' when optional and absent."""
    from email_validator import EmailNotValidError, validate_email

    if value is None or value == "":
        if required:
            raise InvalidMessage("Please give an email address so we can answer you.")
        return ""
    if not isinstance(value, str) or len(value) > 254:
        raise InvalidMessage("Please enter a valid email address, like you@example.com.")
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidMessage("Please enter a valid email address, like you@example.com.") from None


def clean_order_number(value: object) -> str | None:
    """An order number as the shop writes it (KS-000123), or None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\s*[A-Za-z]{2}-\d{1,12}\s*", value):
        raise InvalidMessage("Order numbers look like KS-000123.")
    return value.strip().upper()
