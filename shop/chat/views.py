"""/support/: the chat without JavaScript (plain forms), and the dialog's lazily loaded panel."""

from __future__ import annotations

from flask import Response, abort, make_response, redirect, render_template, request, url_for

from shop.chat import access, bp
from shop.chat.models import Conversation
from shop.chat.service import (
    Refused,
    add_customer_message,
    conversation_for,
    presence_name,
    read_new_conversation,
    start,
)
from shop.domain.conversation import InvalidMessage
from shop.extensions import db
from shop.web import chat_now, now


def _page(template: str, status: int = 200, **context) -> Response:
    response = make_response(render_template(template, **context), status)
    # Personal: never stored by a shared cache, nor indexed.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _conversation_page(conversation: Conversation, status: int = 200, **context) -> Response:
    response = _page("support/conversation.html", status, conversation=conversation,
                     answering=presence_name(conversation, now()), **context)
    return access.remember(response, conversation)


@bp.get("/")
def index():
    """Start a conversation (or leave a message), or carry on the one this browser has."""
    conversation = None if request.args.get("new") else access.remembered()
    if conversation is not None:
        return redirect(url_for(".conversation", conversation_id=conversation.id,
                                token=conversation.token), 303)
    return _page("support/start.html", form={}, error=None)


@bp.post("/")
@access.new_per_address
def begin():
    """Post the first message; then the conversation's own signed page."""
    online = chat_now().online
    form = {key: request.form.get(key, "") for key in ("message", "email", "name", "order_number")}
    try:
        conversation = start(read_new_conversation(form, online), online, now())
        db.session.commit()
    except (InvalidMessage, Refused) as exc:
        db.session.rollback()
        status = getattr(exc, "status", 422)
        return _page("support/start.html", status, form=form, error=str(exc))
    response = redirect(url_for(".conversation", conversation_id=conversation.id,
                                token=conversation.token, _anchor="latest"), 303)
    return access.remember(response, conversation)


def _reached(conversation_id: int) -> Conversation:
    conversation = conversation_for(conversation_id, request.args.get("token"))
    if conversation is None:
        abort(404, "No conversation matches this link.")
    return conversation


@bp.get("/<int:conversation_id>")
def conversation(conversation_id: int):
    """A conversation by its signed link (the link in our emails); this browser keeps it."""
    return _conversation_page(_reached(conversation_id))


@bp.post("/<int:conversation_id>")
@access.per_conversation
@access.per_address
def reply(conversation_id: int):
    """The customer writes again."""
    found = _reached(conversation_id)
    try:
        add_customer_message(found, request.form.get("body", ""), chat_now().online, now())
        db.session.commit()
    except (InvalidMessage, Refused) as exc:
        db.session.rollback()
        return _conversation_page(found, getattr(exc, "status", 422), error=str(exc),
                                  draft=request.form.get("body", "")[:2000])
    return redirect(url_for(".conversation", conversation_id=found.id, token=found.token,
                            _anchor="latest"), 303)


@bp.get("/panel")
def panel():
    """The chat dialog's inside, fetched by static/js/chat.js when the indicator is pressed."""
    found = None if request.args.get("new") else access.remembered()
    if found is None:
        return _page("support/_panel.html", form={}, error=None, conversation=None)
    response = _page("support/_panel.html", conversation=found,
                     answering=presence_name(found, now()))
    return access.remember(response, found)


@bp.post("/forget")
def forget():
    """Start afresh in this browser (the old conversation stays reachable by its link)."""
    return access.forget(redirect(url_for(".index"), 303))
