"""Who may reach a conversation: its signed cookie or link, rate limits, the stream's origin."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

from shop.chat.models import Conversation
from shop.chat.service import conversation_for
from shop.extensions import limiter

COOKIE = "support"
#: Browsers keep a cookie at most 400 days; every visit renews it, so support is for life.
COOKIE_AGE = 400 * 24 * 3600


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="support-conversation")


def remember(response: Response, conversation: Conversation) -> Response:
    """Keep the conversation in this browser (a signed, HttpOnly cookie)."""
    response.set_cookie(
        COOKIE, _signer().dumps([conversation.id, conversation.token]), max_age=COOKIE_AGE,
        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def forget(response: Response) -> Response:
    """Let this browser start afresh."""
    response.delete_cookie(COOKIE)
    return response


def remembered() -> Conversation | None:
    """The conversation this browser's cookie names, if its token still holds."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        conversation_id, token = _signer().loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    return conversation_for(conversation_id, token)


def _address() -> str:
    return "chat-address:" + (get_remote_address() or "")


def _conversation_key() -> str:
    # With the token in the key, someone without it cannot spend a conversation's budget.
    token = hashlib.blake2b(request.args.get("token", "").encode(), digest_size=8).hexdigest()
    return f"chat-conversation:{request.view_args.get('conversation_id', '')}:{token}"


#: Writing in a conversation: per conversation and per client address, shared by the
#: /support/ forms and the API so neither is a way round the other.
per_conversation = limiter.shared_limit(
    lambda: current_app.config["CHAT_LIMIT_PER_CONVERSATION"], scope="chat-conversation",
    key_func=_conversation_key, methods=["POST"],
)
per_address = limiter.shared_limit(
    lambda: current_app.config["CHAT_LIMIT_PER_ADDRESS"], scope="chat-address",
    key_func=_address, methods=["POST"],
)
new_per_address = limiter.shared_limit(
    lambda: current_app.config["CHAT_NEW_CONVERSATIONS_PER_ADDRESS"], scope="chat-new",
    key_func=_address, methods=["POST"],
)


def origin_allowed() -> bool:
    """A stream is opened only by the shop's own pages (or a client that sends no Origin).

    With CHAT_STREAM_PORT (make run) the pages come from the same host on another port.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == request.host_url.rstrip("/"):
        return True
    parts = urlsplit(origin)
    return bool(
        current_app.config.get("CHAT_STREAM_PORT")
        and parts.scheme == request.scheme
        and parts.hostname == urlsplit(request.host_url).hostname
    )


def allow_page_origin(response: Response) -> Response:
    """Let the shop's page on another port read this stream (make run), cookies included."""
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
    response.vary.add("Origin")
    return response
