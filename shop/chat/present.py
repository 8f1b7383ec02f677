"""Conversations and messages as the API and the streams show them (SPEC §2; the shapes are
shop/chat/schemas.py's models)."""

from __future__ import annotations

import json
from datetime import datetime

from shop.chat import schemas
from shop.chat.models import Conversation, Message
from shop.chat.service import presence_name


def message_json(message: Message) -> dict:
    """Message: id, author, body, created_at (an event's data on the streams)."""
    return schemas.Message.of(message).model_dump(mode="json")


def state_json(conversation: Conversation, now: datetime) -> str:
    """What a stream's `conversation` event says: open or closed, and who is answering."""
    name = presence_name(conversation, now)
    return json.dumps({
        "id": conversation.id,
        "status": conversation.status,
        "answering": name,
        "answering_until": conversation.answering_until.isoformat() if name else None,
    })
