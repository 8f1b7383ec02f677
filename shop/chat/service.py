"""Conversations: start one, add messages, close, reopen, read; emails go through the outbox.

Every change writes a ChatEvent in its own transaction and is announced once it commits
(shop.chat.events), so a stream anywhere wakes and reads what was committed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app, render_template, url_for
from sqlalchemy import func, select, update

from shop.chat import events
from shop.chat.models import Author, ChatEvent, Conversation, Message, Mode, Status
from shop.domain import LONDON
from shop.domain.conversation import (
    clean_body,
    clean_email,
    clean_name,
    clean_order_number,
)
from shop.extensions import db
from shop.mail import queue_email
from shop.models import Order

if TYPE_CHECKING:  # the admin package imports the chat's views, so not at run time
    from shop.admin.models import User

#: How long "X is answering" holds after staff last opened or typed in a conversation.
PRESENCE = timedelta(seconds=60)


class Refused(Exception):
    """A request the conversation's state does not allow (HTTP status and a sentence)."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class NewConversation:
    """What a customer sends to start: the first message and how to reach them."""

    body: str
    email: str
    name: str
    order_number: str | None


def read_new_conversation(data: dict, online: bool) -> NewConversation:
    """Check a start request (form or JSON); outside chat hours an email is required."""
    return NewConversation(
        body=clean_body(data.get("message")),
        email=clean_email(data.get("email"), required=not online),
        name=clean_name(data.get("name")),
        order_number=clean_order_number(data.get("order_number")),
    )


def conversation_by_id(conversation_id: int) -> Conversation | None:
    """The conversation with this id, for staff; an id no column can hold finds nothing."""
    if not 0 < conversation_id < 2**31:
        return None
    return db.session.get(Conversation, conversation_id)


def conversation_for(conversation_id: object, token: object) -> Conversation | None:
    """The conversation when `token` is its own, else None (a forged token finds nothing)."""
    if not isinstance(token, str) or not token or len(token) > 64:
        return None
    try:
        conversation = conversation_by_id(int(conversation_id))
    except (TypeError, ValueError):
        return None
    if conversation is None or not hmac.compare_digest(conversation.token, token):
        return None
    return conversation


def order_for(number: str, email: str) -> Order | None:
    """The order with this number placed with this email address (case aside)."""
    return db.session.scalar(
        select(Order).where(Order.number == number, func.lower(Order.email) == email.lower())
    )


def _check_order(number: str | None, email: str) -> None:
    if number is None:
        return
    if not email:
        raise Refused(422, "Give the email address you ordered with, so we can find the order.",
                      "email")
    if order_for(number, email) is None:
        raise Refused(422, f"We could not find order {number} for {email}.", "order_number")


def _changed(conversation: Conversation, now: datetime) -> None:
    db.session.add(ChatEvent(conversation_id=conversation.id, created_at=now))
    events.announce_on_commit(db.session, conversation.id)


def start(request: NewConversation, online: bool, now: datetime) -> Conversation:
    """Open a conversation with its first message (live in hours, a left message outside)."""
    _check_order(request.order_number, request.email)
    events.purge_events(now)  # the wake-up list stays a day long
    conversation = Conversation(
        token=secrets.token_urlsafe(32),
        mode=Mode.LIVE if online else Mode.MESSAGE,
        email=request.email,
        name=request.name,
        order_number=request.order_number,
        created_at=now,
        opened_on=now.astimezone(LONDON).date(),
        last_message_at=now,
        waiting_since=now,
    )
    conversation.messages.append(
        Message(author=Author.CUSTOMER, body=request.body, created_at=now)
    )
    db.session.add(conversation)
    db.session.flush()
    _changed(conversation, now)
    if not online:
        _email_support(conversation, request.body)
    return conversation


def _append(conversation: Conversation, author: str, body: object, now: datetime,
            closed: str, user_id: int | None = None) -> Message:
    """Add a checked message to an open conversation (`closed` says why not, if it is not)."""
    text = clean_body(body)
    if conversation.status == Status.CLOSED:
        raise Refused(409, closed)
    message = Message(conversation=conversation, author=author, body=text, user_id=user_id,
                      created_at=now)
    db.session.add(message)
    conversation.last_message_at = now
    return message


def add_customer_message(conversation: Conversation, body: object, online: bool,
                         now: datetime) -> Message:
    """The customer writes again; outside chat hours staff are emailed too."""
    message = _append(conversation, Author.CUSTOMER, body, now,
                      "This conversation is closed. Please start a new one.")
    if conversation.waiting_since is None:
        conversation.waiting_since = now
    db.session.flush()
    _changed(conversation, now)
    if not online:
        _email_support(conversation, message.body)
    return message


def add_staff_message(conversation: Conversation, body: object, user: User,
                      now: datetime) -> Message:
    """Staff answer; a left message's customer is emailed the reply with the link back."""
    message = _append(conversation, Author.STAFF, body, now,
                      "This conversation is closed. Reopen it to reply.", user.id)
    if conversation.first_reply_seconds is None:
        conversation.first_reply_seconds = max(
            0, int((now - conversation.created_at).total_seconds())
        )
    conversation.waiting_since = None
    conversation.answering_user_id = user.id
    conversation.answering_until = now + PRESENCE
    db.session.flush()
    conversation.staff_read_up_to = message.id
    _changed(conversation, now)
    if conversation.mode == Mode.MESSAGE and conversation.email:
        queue_email(
            conversation.email,
            "Kefir Shop has answered your message",
            render_template("email/chat_reply.txt", conversation=conversation, body=message.body,
                            link=link(conversation)),
        )
    return message


def set_status(conversation: Conversation, status: str, now: datetime) -> None:
    """Close or reopen a conversation."""
    if status not in (Status.OPEN, Status.CLOSED):
        raise Refused(422, "status must be 'open' or 'closed'.", "status")
    if conversation.status != status:
        conversation.status = status
        if status == Status.CLOSED:
            conversation.waiting_since = None
            conversation.answering_user_id = None
        _changed(conversation, now)


def mark_read(conversation: Conversation) -> None:
    """Staff have seen every message so far."""
    latest = db.session.scalar(
        select(func.max(Message.id)).where(Message.conversation_id == conversation.id)
    )
    db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.staff_read_up_to < (latest or 0))
        .values(staff_read_up_to=latest)
    )


def answering(conversation: Conversation, user: User, now: datetime) -> None:
    """Say that `user` is answering, for the next minute (other staff and the customer see it)."""
    renew = (conversation.answering_user_id != user.id or conversation.answering_until is None
             or conversation.answering_until - now < PRESENCE / 2)
    if renew:
        conversation.answering_user_id = user.id
        conversation.answering_until = now + PRESENCE
        _changed(conversation, now)


def presence_name(conversation: Conversation, now: datetime) -> str | None:
    """Who is answering right now, by the part of their email before the @, or None."""
    if conversation.answering_user_id is None or conversation.answering_until is None:
        return None
    if now >= conversation.answering_until:
        return None
    from shop.admin.models import User

    user = db.session.get(User, conversation.answering_user_id)
    return staff_name(user) if user else None


def staff_name(user: User) -> str:
    """How a staff member is named to customers: the first part of their email, capitalised."""
    return user.email.split("@", 1)[0].split(".", 1)[0].capitalize()


def link(conversation: Conversation) -> str:
    """The conversation's signed link back, as an absolute URL for emails."""
    return url_for("support.conversation", conversation_id=conversation.id,
                   token=conversation.token, _external=True)


def _email_support(conversation: Conversation, body: str) -> None:
    queue_email(
        current_app.config["SUPPORT_EMAIL"],
        f"Chat message from {conversation.email or 'a customer'}",
        render_template("email/chat_offline.txt", conversation=conversation, body=body,
                        inbox=url_for("admin.chat_conversation", conversation_id=conversation.id,
                                      _external=True)),
    )


def orders_of(conversation: Conversation, limit: int = 10) -> list[Order]:
    """The customer's latest orders (by the conversation's email), for staff."""
    if not conversation.email:
        return []
    return list(db.session.scalars(
        select(Order).where(func.lower(Order.email) == conversation.email.lower())
        .order_by(Order.id.desc()).limit(limit)
    ))
