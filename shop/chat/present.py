"""Conversations and messages as the API and the streams show them (SPEC §2; the shapes are
shop/chat/schemas.py's models)."""

from __future__ import annotations

import json
from datetime import datetime

from shop.chat import schemas
from shop.chat.models import Conversation, Message
from shop.chat.schemas import answer
from shop.chat.service import presence_name


def message_json(message: Message) -> dict:
    """Message: id, author, body, created_at."""
    return answer(schemas.Message.of(message))


def conversation_json(conversation: Conversation) -> dict:
    """Conversation: id, status, mode, email, name, order_number, created_at, messages."""
    return answer(schemas.Conversation.of(conversation))


def state_json(conversation: Conversation, now: datetime) -> str:
    """What a stream's `conversation` event says: open or closed, and who is answering."""
    name = presence_name(conversation, now)
    return json.dumps({
        "id": conversation.id,
        "status": conversation.status,
        "answering": name,
        "answering_until": conversation.answering_until.isoformat() if name else None,
    })
