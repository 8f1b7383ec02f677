"""The chat's JSON API under /api/v1/chat (SPEC §2), and the customer's event stream."""

from __future__ import annotations

import json

from flask import Response, current_app, g, request
from sqlalchemy import select

from shop.api.spec import operation
from shop.chat import access, api_bp
from shop.chat.events import event_stream
from shop.chat.models import Conversation as ConversationRow
from shop.chat.models import Message as MessageRow
from shop.chat.present import message_json, state_json
from shop.chat.schemas import (
    Conversation,
    ConversationStarted,
    Message,
    NewMessage,
    StartConversation,
    TokenQuery,
)
from shop.chat.service import (
    Refused,
    add_customer_message,
    conversation_for,
    read_new_conversation,
    start,
)
from shop.domain.conversation import InvalidMessage
from shop.errors import Problem, or_404
from shop.extensions import db
from shop.web import chat_now, now


def _refused(exc: InvalidMessage | Refused) -> Problem:
    db.session.rollback()
    if isinstance(exc, Refused):
        return Problem(exc.status, exc.detail,
                       extra={"errors": {exc.field: exc.detail}} if exc.field else None)
    return Problem(422, str(exc))


def _reached(conversation_id: int, token: str) -> ConversationRow:
    return or_404(conversation_for(conversation_id, token),
                  "No conversation matches this id and token.")


@api_bp.post("/conversations")
@access.new_per_address
@operation("startConversation", 201, ConversationStarted, (400, 409, 415, 422))
def create_conversation(json: StartConversation):
    """Start a conversation with its first message; answers the token that alone reaches it.

    During chat hours it is live; outside them it is a message, `email` is required and staff
    are emailed. Sets the `support` cookie, so the shop's pages find the conversation again.
    """
    online = chat_now().online
    try:
        conversation = start(read_new_conversation(json.model_dump(), online), online, now())
        db.session.commit()
    except (InvalidMessage, Refused) as exc:
        raise _refused(exc) from None
    started = ConversationStarted(conversation=Conversation.of(conversation),
                                  token=conversation.token)
    g.remember_conversation = conversation
    return started, 201


@api_bp.after_request
def remember_started(response: Response) -> Response:
    """The conversation just started is kept in this browser's cookie."""
    if "remember_conversation" in g and response.status_code == 201:
        access.remember(response, g.remember_conversation)
    return response


@api_bp.get("/conversations/<int:conversation_id>")
@operation("getConversation", 200, Conversation, (404,))
def get_conversation(conversation_id: int, query: TokenQuery):
    """One conversation with its messages (404 without its token)."""
    return Conversation.of(_reached(conversation_id, query.token))


@api_bp.post("/conversations/<int:conversation_id>/messages")
@access.per_conversation
@access.per_address
@operation("postConversationMessage", 201, Message, (400, 404, 409, 415, 422))
def post_message(conversation_id: int, query: TokenQuery, json: NewMessage):
    """The customer writes (409 once the conversation is closed)."""
    found = _reached(conversation_id, query.token)
    try:
        message = add_customer_message(found, json.body, chat_now().online, now())
        db.session.commit()
    except (InvalidMessage, Refused) as exc:
        raise _refused(exc) from None
    return Message.of(message), 201


def last_event_id() -> int:
    """Where a stream resumes: Last-Event-ID (a reconnect), else ?after= (a page's last)."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    try:
        value = int(raw)
    except ValueError:
        raise Problem(400, "Last-Event-ID must be a message id.") from None
    if not 0 <= value < 2**31:
        raise Problem(400, "Last-Event-ID must be a message id.")
    return value


def check_stream_request() -> None:
    """Streams come only from the shop's pages, and only to the stream service when one runs."""
    if not access.origin_allowed():
        raise Problem(403, "Streams are only for the shop's own pages.")
    config = current_app.config
    if config.get("CHAT_STREAM_PORT") and not config.get("CHAT_STREAM_SERVER"):
        # A stream would hold one of the storefront's few sync workers for as long as it is open.
        raise Problem(421, f"Streams are served on port {config['CHAT_STREAM_PORT']}.")


def sse_response(stream) -> Response:
    """A text/event-stream response that no proxy buffers or caches."""
    response = Response(stream, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return access.allow_page_origin(response)


@api_bp.get("/conversations/<int:conversation_id>/events")
def conversation_events(conversation_id: int):
    """Server-sent events: one `message` per new Message (id: its id), `conversation` on a
    change of status or of who is answering, a comment line as heartbeat."""
    check_stream_request()
    found = _reached(conversation_id, request.args.get("token", ""))
    after = last_event_id()
    app = current_app._get_current_object()

    def read(last_id: int):
        rows = db.session.scalars(
            select(MessageRow)
            .where(MessageRow.conversation_id == found.id, MessageRow.id > last_id)
            .order_by(MessageRow.id).limit(500)
        ).all()
        conversation = db.session.get(ConversationRow, found.id)
        return ([(m.id, json.dumps(message_json(m))) for m in rows],
                state_json(conversation, now()))

    db.session.remove()  # the stream holds no database connection while it waits
    return sse_response(event_stream(app, found.id, read, after))


@api_bp.after_request
def personal(response: Response) -> Response:
    """API answers about a conversation are personal: never kept by a shared cache."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response
