"""The chat API's typed shapes (SPEC §2): what each call reads and answers, declared once.

spectree checks requests against them and writes them into the OpenAPI document
(shop/api/spec.py), as for the rest of the API; the views build answers with each model's
`of()`. The event streams (text/event-stream) carry `Message` as each event's data.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field

from shop.chat.models import Conversation as ConversationRow
from shop.chat.models import Message as MessageRow
from shop.domain.conversation import MAX_BODY, MAX_NAME
from shop.domain.fields import Input, Query, Timestamp, text

#: 1-2,000 characters with something in them besides spaces and control characters (which
#: shop.domain.conversation drops), so that what the schema accepts, the shop stores.
WRITTEN = r"^[^\u0000]*[^\u0000-\u0020\u007f\s][^\u0000]*$"
MessageText = text(MAX_BODY, required=True, pattern=WRITTEN,
                   refusal="must not be empty: please write a message.",
                   blank="must not be empty: please write a message.")

# --- Requests --------------------------------------------------------------------------------


class StartConversation(Input):
    """Start a conversation. Outside chat hours `email` is required (else 422)."""

    message: MessageText
    email: text(254) | None = Field(None, description="Where a reply can reach the customer.")
    name: text(MAX_NAME) | None = None
    order_number: text(20) | None = Field(
        None, description="One of the customer's orders (KS-000123), placed with `email`.")


class NewMessage(Input):
    body: MessageText


class StatusChange(Input):
    status: Literal["open", "closed"]


class TokenQuery(Query):
    token: str = Field("", description="The token answered when the conversation was started.")


class InboxQuery(Query):
    status: Literal["open", "closed", "all"] = "open"


# --- Answers ---------------------------------------------------------------------------------


class Message(BaseModel):
    """One message; its id is also its event id on the conversation's stream."""

    id: int
    author: Literal["customer", "staff"]
    body: str
    created_at: Timestamp

    @classmethod
    def of(cls, row: MessageRow) -> Self:
        return cls(id=row.id, author=row.author, body=row.body, created_at=row.created_at)


class ConversationFacts(BaseModel):
    id: int
    status: Literal["open", "closed"]
    mode: Literal["live", "message"]
    email: str | None
    name: str | None
    order_number: str | None
    created_at: Timestamp

    @staticmethod
    def facts(row: ConversationRow) -> dict:
        """The stored conversation's own fields ('' stored is null answered)."""
        return {"id": row.id, "status": row.status, "mode": row.mode, "email": row.email or None,
                "name": row.name or None, "order_number": row.order_number,
                "created_at": row.created_at}


class Conversation(ConversationFacts):
    """A conversation with its messages, oldest first."""

    messages: list[Message]

    @classmethod
    def of(cls, row: ConversationRow) -> Self:
        return cls(**cls.facts(row), messages=[Message.of(m) for m in row.messages])


class ConversationStarted(BaseModel):
    """The new conversation, and the token that alone reaches it (keep it secret)."""

    conversation: Conversation
    token: str


class ChatInboxItem(ConversationFacts):
    """A conversation in the staff's list."""

    unread: int = Field(description="Customer messages no staff member has seen yet.")
    waiting_seconds: int | None = Field(description="How long the customer has waited; null "
                                                    "once answered.")
    answering: str | None = Field(description="Who is answering, if anyone is now.")


class ChatInbox(BaseModel):
    items: list[ChatInboxItem]


class StaffConversation(Conversation):
    """A conversation for staff: its wait and the customer's order numbers."""

    waiting_seconds: int | None
    orders: list[str]
