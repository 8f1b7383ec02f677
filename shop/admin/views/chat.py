"""The staff inbox at /admin/chat/: conversations, replies, saved replies, the live stream."""

from __future__ import annotations

import json
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, func, select

from shop.admin import bp
from shop.chat import service
from shop.chat.api import check_stream_request, last_event_id, sse_response
from shop.chat.events import EVERY, event_stream
from shop.chat.models import Author, Conversation, Message, SavedReply, Status
from shop.chat.present import message_json
from shop.domain.conversation import InvalidMessage, clean_body, say_wait, waited_seconds
from shop.errors import Problem
from shop.extensions import db
from shop.web import now

FILTERS = ("open", "closed", "all")


def inbox_rows(status: str, at: datetime) -> list[dict]:
    """Conversations for the inbox: waiting longest first, then the latest; with unread counts."""
    unread = (
        select(Message.conversation_id, func.count().label("unread"))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.author == Author.CUSTOMER, Message.id > Conversation.staff_read_up_to)
        .group_by(Message.conversation_id)
        .subquery()
    )
    query = (
        select(Conversation, func.coalesce(unread.c.unread, 0))
        .outerjoin(unread, unread.c.conversation_id == Conversation.id)
        .order_by(case((Conversation.waiting_since.is_(None), 1), else_=0),
                  Conversation.waiting_since, Conversation.last_message_at.desc())
        .limit(200)
    )
    if status != "all":
        query = query.where(Conversation.status == status)
    rows = []
    for conversation, count in db.session.execute(query):
        waited = waited_seconds(conversation.waiting_since, at)
        rows.append({
            "conversation": conversation,
            "unread": count,
            "waited": waited,
            "wait_label": say_wait(waited),
            "answering": service.presence_name(conversation, at),
        })
    return rows


def _filter() -> str:
    value = request.args.get("status", "open")
    return value if value in FILTERS else "open"


def _conversation_or_404(conversation_id: int) -> Conversation:
    conversation = service.conversation_by_id(conversation_id)
    if conversation is None:
        abort(404, "No such conversation.")
    return conversation


def _inbox(selected: Conversation | None = None, status_code: int = 200, **context):
    at = now()
    status = _filter()
    latest = db.session.scalar(select(func.max(Message.id))) or 0
    replies = db.session.scalars(select(SavedReply).order_by(SavedReply.title)).all()
    extra = {}
    if selected is not None:
        someone_else = selected.answering_user_id != current_user.id
        extra = {"orders": service.orders_of(selected),
                 "answering": service.presence_name(selected, at) if someone_else else None}
    return render_template(
        "admin/chat/inbox.html", rows=inbox_rows(status, at), status=status, selected=selected,
        latest_message_id=latest, saved_replies=replies, stream_url=url_for("admin.chat_events"),
        **extra,
        **context,
    ), status_code


@bp.get("/chat/")
def chat_inbox():
    """Open conversations, waiting longest first."""
    return _inbox()


@bp.get("/chat/list")
def chat_list():
    """The inbox's list alone: what the page's script swaps in when something changes."""
    status = _filter()
    selected = request.args.get("selected", type=int)
    return render_template("admin/chat/_list.html", rows=inbox_rows(status, now()),
                           status=status, selected_id=selected)


@bp.get("/chat/<int:conversation_id>")
def chat_conversation(conversation_id: int):
    """One conversation beside the inbox, with the customer's orders; staff have now read it."""
    conversation = _conversation_or_404(conversation_id)
    service.mark_read(conversation)
    db.session.commit()
    return _inbox(conversation)


@bp.post("/chat/<int:conversation_id>/messages")
def chat_reply(conversation_id: int):
    """Staff reply (a saved reply's text, or the typed one)."""
    conversation = _conversation_or_404(conversation_id)
    try:
        service.add_staff_message(conversation, request.form.get("body", ""),
                                  current_user._get_current_object(), now())
        db.session.commit()
    except (InvalidMessage, service.Refused) as exc:
        db.session.rollback()
        status = getattr(exc, "status", 422)
        if request.accept_mimetypes.best == "application/json":
            raise Problem(status, str(exc)) from None
        return _inbox(conversation, status, error=str(exc), draft=request.form.get("body", ""))
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True}, 201
    return redirect(url_for("admin.chat_conversation", conversation_id=conversation.id,
                            _anchor="latest"), 303)


@bp.post("/chat/<int:conversation_id>/status")
def chat_status(conversation_id: int):
    """Close or reopen."""
    conversation = _conversation_or_404(conversation_id)
    wanted = request.form.get("status", "")
    try:
        service.set_status(conversation, wanted, now())
    except service.Refused as exc:
        db.session.rollback()
        return _inbox(conversation, exc.status, error=exc.detail)
    db.session.commit()
    flash("Conversation closed." if wanted == Status.CLOSED else "Conversation reopened.",
          "success")
    return redirect(url_for("admin.chat_conversation", conversation_id=conversation.id), 303)


@bp.post("/chat/<int:conversation_id>/read")
def chat_read(conversation_id: int):
    """The open conversation's new messages have been seen (the page's script says so)."""
    service.mark_read(_conversation_or_404(conversation_id))
    db.session.commit()
    return "", 204


@bp.post("/chat/<int:conversation_id>/answering")
def chat_answering(conversation_id: int):
    """This staff member is typing a reply: others, and the customer, see who is answering."""
    conversation = _conversation_or_404(conversation_id)
    service.answering(conversation, current_user._get_current_object(), now())
    db.session.commit()
    return "", 204


@bp.get("/chat/events")
def chat_events():
    """Every new message in any conversation, and an `inbox` event when the list changes."""
    check_stream_request()
    after = last_event_id()
    app = current_app._get_current_object()

    def read(last_id: int):
        rows = db.session.execute(
            select(Message, Conversation.email, Conversation.name)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id > last_id).order_by(Message.id).limit(500)
        ).all()
        items = [(m.id, json.dumps({**message_json(m), "conversation_id": m.conversation_id,
                                    "from": name or email or "Customer"}))
                 for m, email, name in rows]
        at = now()
        state = db.session.execute(
            select(Conversation.id, Conversation.status, Conversation.staff_read_up_to,
                   Conversation.answering_user_id, Conversation.answering_until)
            .where(Conversation.status == Status.OPEN)
            .order_by(Conversation.id)
        ).all()
        digest = json.dumps([[r[0], r[1], r[2], r[3] if r[4] and r[4] > at else None]
                             for r in state])
        return items, digest

    db.session.remove()
    return sse_response(event_stream(app, EVERY, read, after))


@bp.get("/chat/replies")
def chat_replies():
    """Saved replies: add and remove them."""
    replies = db.session.scalars(select(SavedReply).order_by(SavedReply.title)).all()
    return render_template("admin/chat/replies.html", replies=replies, form={}, error=None)


@bp.post("/chat/replies")
def chat_reply_add():
    """Save a reply for later."""
    title = request.form.get("title", "").strip()
    form = {"title": title, "body": request.form.get("body", "")}
    try:
        if not title or len(title) > 80:
            raise InvalidMessage("Give the reply a title of 1-80 characters.")
        body = clean_body(form["body"])
    except InvalidMessage as exc:
        replies = db.session.scalars(select(SavedReply).order_by(SavedReply.title)).all()
        return render_template("admin/chat/replies.html", replies=replies, form=form,
                               error=str(exc)), 422
    db.session.add(SavedReply(title=title, body=body, created_at=now()))
    db.session.commit()
    flash(f"Saved reply “{title}” added.", "success")
    return redirect(url_for("admin.chat_replies"), 303)


@bp.post("/chat/replies/<int:reply_id>/delete")
def chat_reply_delete(reply_id: int):
    """Remove a saved reply."""
    reply = db.session.get(SavedReply, reply_id)
    if reply is not None:
        db.session.delete(reply)
        db.session.commit()
        flash(f"Saved reply “{reply.title}” removed.", "success")
    return redirect(url_for("admin.chat_replies"), 303)
