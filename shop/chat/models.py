"""Support conversations, their messages, the change log the streams follow, saved replies."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import one_of, utcnow


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Mode(StrEnum):
    LIVE = "live"  # started during chat hours
    MESSAGE = "message"  # left outside them: answered by email


class Author(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


class Conversation(db.Model):
    """One customer's conversation with the shop; reachable only with its token."""

    __tablename__ = "chat_conversations"
    __table_args__ = (
        one_of("status", Status),
        one_of("mode", Mode),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept as issued (not hashed): a staff reply emails the customer the link it makes.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=Status.OPEN, index=True)
    mode: Mapped[str] = mapped_column(String(10), default=Mode.LIVE)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    order_number: Mapped[str | None] = mapped_column(String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The shop-time day it was opened: the daily figures group by it on any database.
    opened_on: Mapped[date] = mapped_column(index=True)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The oldest customer message no staff reply has followed yet; None when answered.
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    first_reply_seconds: Mapped[int | None] = mapped_column(default=None)
    #: The last message id staff have seen, for unread counts.
    staff_read_up_to: Mapped[int] = mapped_column(default=0)
    answering_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    answering_until: Mapped[datetime | None] = mapped_column(default=None)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(db.Model):
    """Plain text from the customer or from staff; its id is the stream's event id."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        one_of("author", Author),
        Index("ix_chat_messages_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE")
    )
    author: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class ChatEvent(db.Model):
    """A change to a conversation, written with it: what a stream server without Redis polls."""

    __tablename__ = "chat_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SavedReply(db.Model):
    """A reply staff send often, inserted with one click."""

    __tablename__ = "chat_saved_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
