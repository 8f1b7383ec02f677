"""The chat API's shapes (SPEC §2) as typed pydantic models: what each call reads and answers.

Until the API's own typed pattern (spectree over shop/api/schemas.py) reaches this branch, the
chat's plain Flask views check requests with these models (`read`) and build answers with
their `of()`; moving onto that pattern is then a matter of declaring them on each operation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from shop.chat.models import Conversation as ConversationRow
from shop.chat.models import Message as MessageRow
from shop.errors import Problem

# --- Requests --------------------------------------------------------------------------------


class Input(BaseModel):
    """A request body: only its own fields, and text must be sent as text (no 42 for "42")."""

    model_config = ConfigDict(extra="forbid", strict=True)


class StartConversation(Input):
    """POST /chat/conversations. Outside chat hours `email` is required (the service says)."""

    message: str
    email: str | None = None
    name: str | None = None
    order_number: str | None = None


class NewMessage(Input):
    """POST …/messages."""

    body: str


class StatusChange(Input):
    """PATCH /admin/chat/conversations/{id}."""

    status: Literal["open", "closed"]


_WORDS = {
    "missing": "is required.",
    "string_type": "must be text.",
    "extra_forbidden": "is not a field of this request.",
    "literal_error": "must be 'open' or 'closed'.",
    "model_type": "must be a JSON object.",
}
In = TypeVar("In", bound=Input)


def read(model: type[In], body: object) -> In:
    """The body as `model`, or a 422 problem naming each field and what is wrong with it."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = {}
        for item in exc.errors(include_url=False):
            name = ".".join(str(part) for part in item["loc"]) or "body"
            errors.setdefault(name, _WORDS.get(item["type"], item["msg"]))
        detail = " ".join(f"{name} {words}" for name, words in errors.items())
        raise Problem(422, detail, extra={"errors": errors}) from None


# --- Answers ---------------------------------------------------------------------------------


class Message(BaseModel):
    """One message: its id is also the stream's event id."""

    id: int
    author: Literal["customer", "staff"]
    body: str
    created_at: datetime

    @classmethod
    def of(cls, row: MessageRow) -> Self:
        return cls(id=row.id, author=row.author, body=row.body, created_at=row.created_at)


class ConversationFacts(BaseModel):
    """A conversation without its messages."""

    id: int
    status: Literal["open", "closed"]
    mode: Literal["live", "message"]
    email: str | None
    name: str | None
    order_number: str | None
    created_at: datetime

    @classmethod
    def facts(cls, row: ConversationRow) -> dict:
        return {"id": row.id, "status": row.status, "mode": row.mode, "email": row.email or None,
                "name": row.name or None, "order_number": row.order_number,
                "created_at": row.created_at}


class Conversation(ConversationFacts):
    """A conversation with every message, oldest first."""

    messages: list[Message]

    @classmethod
    def of(cls, row: ConversationRow) -> Self:
        return cls(**cls.facts(row), messages=[Message.of(m) for m in row.messages])


class ConversationStarted(BaseModel):
    """What starting a conversation answers: it, and the token that alone reaches it."""

    conversation: Conversation
    token: str


class InboxItem(ConversationFacts):
    """A conversation as the staff's list shows it."""

    unread: int
    waiting_seconds: int | None
    answering: str | None


class Inbox(BaseModel):
    items: list[InboxItem]


class StaffConversation(Conversation):
    """A conversation for staff: how long it has waited and the customer's order numbers."""

    waiting_seconds: int | None
    orders: list[str]


def answer(model: BaseModel) -> dict:
    """A model as the JSON the API sends."""
    return model.model_dump(mode="json")
