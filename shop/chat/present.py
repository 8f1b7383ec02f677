"""Conversations and messages as the API and the streams show them (SPEC §2)."""

from __future__ import annotations

import json
from datetime import datetime

from shop.chat.models import Conversation, Message
from shop.chat.service import presence_name


def message_json(message: Message) -> dict:
    """Message: id, author, body, created_at."""
    return {
        "id": message.id,
        "author": message.author,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def conversation_json(conversation: Conversation) -> dict:
    """Conversation: id, status, mode, email, name, order_number, created_at, messages."""
    return {
        "id": conversation.id,
        "status": conversation.status,
        "mode": conversation.mode,
        "email": conversation.email or None,
        "name": conversation.name or None,
        "order_number": conversation.order_number,
        "created_at": conversation.created_at.isoformat(),
        "messages": [message_json(m) for m in conversation.messages],
    }


def state_json(conversation: Conversation, now: datetime) -> str:
    """What a stream's `conversation` event says: open or closed, and who is answering."""
    name = presence_name(conversation, now)
    return json.dumps({
        "id": conversation.id,
        "status": conversation.status,
        "answering": name,
        "answering_until": conversation.answering_until.isoformat() if name else None,
    })
