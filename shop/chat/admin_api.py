"""The staff's chat API under /api/v1/admin/chat: bearer tokens only, like the rest of the
admin API (shop/api/admin.py), so it is CSRF-exempt and no cookie opens it."""

from __future__ import annotations

from flask import g

from shop.api.admin import admin_operation
from shop.chat import admin_api_bp as bp
from shop.chat import service
from shop.chat.models import Conversation as ConversationRow
from shop.chat.schemas import (
    ChatInbox,
    ChatInboxItem,
    Conversation,
    InboxQuery,
    Message,
    NewMessage,
    StaffConversation,
    StatusChange,
)
from shop.domain.conversation import InvalidMessage, waited_seconds
from shop.errors import Problem, or_404
from shop.extensions import db
from shop.web import now


def _found(conversation_id: int) -> ConversationRow:
    return or_404(service.conversation_by_id(conversation_id),
                  f"No conversation has the id {conversation_id}.")


def _item(row: dict) -> ChatInboxItem:
    return ChatInboxItem(**ChatInboxItem.facts(row["conversation"]), unread=row["unread"],
                         waiting_seconds=row["waited"], answering=row["answering"])


@bp.get("/conversations")
@admin_operation("adminListConversations", 200, ChatInbox, (400,))
def conversations(query: InboxQuery):
    """Conversations waiting longest first, then the latest; ?status=open (default)|closed|all."""
    from shop.admin.views.chat import inbox_rows

    return ChatInbox(items=[_item(row) for row in inbox_rows(query.status, now())])


@bp.get("/conversations/<int:conversation_id>")
@admin_operation("adminGetConversation", 200, StaffConversation, (404,))
def conversation(conversation_id: int):
    """One conversation with its messages, its wait and the customer's order numbers."""
    found = _found(conversation_id)
    return StaffConversation(
        **Conversation.of(found).model_dump(),
        waiting_seconds=waited_seconds(found.waiting_since, now()),
        orders=[order.number for order in service.orders_of(found)],
    )


@bp.patch("/conversations/<int:conversation_id>")
@admin_operation("adminUpdateConversation", 200, Conversation, (400, 404, 415, 422))
def update_conversation(conversation_id: int, json: StatusChange):
    """Close or reopen."""
    found = _found(conversation_id)
    service.set_status(found, json.status, now())
    db.session.commit()
    return Conversation.of(found)


@bp.post("/conversations/<int:conversation_id>/messages")
@admin_operation("adminPostConversationMessage", 201, Message, (400, 404, 409, 415, 422))
def reply(conversation_id: int, json: NewMessage):
    """A staff reply; a customer who left a message outside chat hours is emailed it."""
    found = _found(conversation_id)
    try:
        message = service.add_staff_message(found, json.body, g.api_actor.user, now())
        db.session.commit()
    except InvalidMessage as exc:
        db.session.rollback()
        raise Problem(422, str(exc), extra={"errors": {"body": str(exc)}}) from None
    except service.Refused as exc:
        db.session.rollback()
        raise Problem(exc.status, exc.detail) from None
    return Message.of(message), 201
