"""The staff's chat API under /api/v1/admin/chat: bearer tokens only, like the rest of the
admin API (shop/api/admin.py), so it is CSRF-exempt and no cookie opens it."""

from __future__ import annotations

from flask import g, request

from shop.api.admin import token_required
from shop.chat import admin_api_bp as bp
from shop.chat import service
from shop.chat.api import json_object
from shop.chat.models import Conversation as ConversationRow
from shop.chat.schemas import (
    Conversation,
    Inbox,
    InboxItem,
    Message,
    NewMessage,
    StaffConversation,
    StatusChange,
    answer,
    read,
)
from shop.domain.conversation import InvalidMessage, waited_seconds
from shop.errors import Problem
from shop.extensions import db
from shop.web import now


def _found(conversation_id: int) -> ConversationRow:
    conversation = db.session.get(ConversationRow, conversation_id)
    if conversation is None:
        raise Problem(404, f"No conversation has the id {conversation_id}.")
    return conversation


def _item(row: dict) -> InboxItem:
    conversation = row["conversation"]
    return InboxItem(**InboxItem.facts(conversation), unread=row["unread"],
                     waiting_seconds=row["waited"], answering=row["answering"])


@bp.get("/conversations")
@token_required()
def conversations():
    """Conversations waiting longest first; `status` open (default), closed or all."""
    from shop.admin.views.chat import FILTERS, inbox_rows

    status = request.args.get("status") or "open"
    if status not in FILTERS:
        raise Problem(400, "status must be open, closed or all.")
    return answer(Inbox(items=[_item(row) for row in inbox_rows(status, now())]))


@bp.get("/conversations/<int:conversation_id>")
@token_required()
def conversation(conversation_id: int):
    """One conversation with its messages and the customer's order numbers."""
    found = _found(conversation_id)
    return answer(StaffConversation(
        **Conversation.of(found).model_dump(),
        waiting_seconds=waited_seconds(found.waiting_since, now()),
        orders=[order.number for order in service.orders_of(found)],
    ))


@bp.patch("/conversations/<int:conversation_id>")
@token_required()
def update_conversation(conversation_id: int):
    """Close or reopen: `{"status": "open" | "closed"}`."""
    found = _found(conversation_id)
    change = read(StatusChange, json_object())
    service.set_status(found, change.status, now())
    db.session.commit()
    return answer(Conversation.of(found))


@bp.post("/conversations/<int:conversation_id>/messages")
@token_required()
def reply(conversation_id: int):
    """A staff reply (emailed to a customer who left a message outside chat hours)."""
    found = _found(conversation_id)
    body = read(NewMessage, json_object())
    try:
        message = service.add_staff_message(found, body.body, g.api_actor.user, now())
        db.session.commit()
    except InvalidMessage as exc:
        db.session.rollback()
        raise Problem(422, str(exc), extra={"errors": {"body": str(exc)}}) from None
    except service.Refused as exc:
        db.session.rollback()
        raise Problem(exc.status, exc.detail) from None
    return answer(Message.of(message)), 201
