"""Security headers on every response, and a CSRF token that stays put for a session."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session

from shop.http_cache import signing_serializer
from shop.page_cache import TOKEN, capturing

#: Where a session keeps its signed CSRF token once made (see stable_csrf_token).
SIGNED_TOKEN = "csrf_signed"
#: Where Flask-WTF keeps the session's raw CSRF secret (WTF_CSRF_FIELD_NAME's default).
_SECRET_FIELD = "csrf_token"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def stable_csrf_token() -> str:
    """This session's CSRF token for a page's forms: the same on every page of the session.

    Flask-WTF signs the session's secret with the current second, so each page would carry a
    new token and a page with a form would never match its own ETag (no 304, ever). Tokens do
    not expire here (WTF_CSRF_TIME_LIMIT is None), so the first signed token is kept in the
    session and reused. It is not validated again on every page: it lives in the same signed
    cookie as the secret it vouches for, and the two are only ever made, or cleared, together.
    """
    if capturing():  # a page shared by first visits: each gets its own token (shop.page_cache)
        return TOKEN
    signed = session.get(SIGNED_TOKEN)
    if not signed or _SECRET_FIELD not in session:
        signed = session[SIGNED_TOKEN] = _sign_new_token()
    g.csrf_token = signed  # what Flask-WTF's own generate_csrf answers for the rest of it
    return signed


def _sign_new_token() -> str:
    """A token as Flask-WTF's generate_csrf makes one (its validate_csrf checks these), with a
    serializer made once rather than per call and no zlib attempt on 40 characters."""
    secret = session.get(_SECRET_FIELD) or hashlib.sha1(os.urandom(64)).hexdigest()
    session[_SECRET_FIELD] = secret
    key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    return signing_serializer((key,), "wtf-csrf-token").dumps(secret)


def init_app(app: Flask) -> None:
    """Add the headers; a view may widen the CSP by setting its own header first.

    With CHAT_STREAM_PORT (make run), chat streams come from that port of the host a page
    was served from, so every policy lets pages connect there too.
    """
    app.jinja_env.globals["csrf_token"] = stable_csrf_token
    headers = dict(HEADERS)
    if app.config["SHOP_ENV"] == "production":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    by_name = [(name.lower(), name, value) for name, value in headers.items()]

    @lru_cache(maxsize=64)
    def by_name_for(scheme: str, host: str, port: int) -> list[tuple[str, str, str]]:
        """The headers with the CSP that lets a page from `host` reach the stream port."""
        return [(lower, name, with_stream_origin(value, scheme, host, port)
                 if lower == "content-security-policy" else value)
                for lower, name, value in by_name]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # One look at the headers already set rather than a search per header: this runs on
        # every response, and Werkzeug's headers are a list searched from the start each time.
        present = {name.lower() for name, _ in response.headers}
        stream_port = app.config.get("CHAT_STREAM_PORT")  # set by the chat's settings
        wanted = by_name_for(request.scheme, request.host, stream_port) if stream_port \
            else by_name
        response.headers.extend([(name, value) for lower, name, value in wanted
                                 if lower not in present])
        if stream_port and "content-security-policy" in present:  # the view's own policy
            response.headers["Content-Security-Policy"] = with_stream_origin(
                response.headers["Content-Security-Policy"], request.scheme, request.host,
                stream_port)
        return response


@lru_cache(maxsize=64)
def with_stream_origin(policy: str, scheme: str, host: str, port: int) -> str:
    """`policy` letting pages connect to `port` on the host they were served from."""
    hostname = urlsplit(f"//{host}").hostname or "127.0.0.1"
    if ":" in hostname:
        hostname = f"[{hostname}]"
    origin = f"{scheme}://{hostname}:{port}"
    return policy.replace("connect-src 'self'", f"connect-src 'self' {origin}", 1)
