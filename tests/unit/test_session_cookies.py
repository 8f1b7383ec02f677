"""Session cookies signed without zlib's set-up cost, and readable either way."""

import hashlib
import re
import time
from datetime import UTC, datetime

import pytest
from flask import Flask, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import Signer, URLSafeTimedSerializer

from shop.http_cache import (
    PrivateCookieSessions,
    SessionJSON,
    SmallPayloadSerializer,
    plain_signer,
    signing_serializer,
)

SESSION = {"csrf_token": "a" * 40, "csrf_signed": "b" * 90}


def test_a_small_session_is_signed_without_compression_and_reads_back():
    cookie = SmallPayloadSerializer("secret", salt="cookie-session").dumps(SESSION)
    assert not cookie.startswith(".")
    assert URLSafeTimedSerializer("secret", salt="cookie-session").loads(cookie) == SESSION


def test_a_cookie_compressed_before_this_change_is_still_read():
    old = URLSafeTimedSerializer("secret", salt="cookie-session").dumps(SESSION)
    assert old.startswith(".")
    assert SmallPayloadSerializer("secret", salt="cookie-session").loads(old) == SESSION


def test_a_large_session_is_still_compressed():
    large = {"notes": "kefir " * 1000}
    cookie = SmallPayloadSerializer("secret", salt="cookie-session").dumps(large)
    assert cookie.startswith(".") and len(cookie) < 1000


def test_the_serializer_for_a_secret_and_salt_is_made_once_and_signs_with_the_last_key():
    one = signing_serializer(("old", "new"), "salt")
    assert signing_serializer(("old", "new"), "salt") is one
    signed_with_old = URLSafeTimedSerializer("old", salt="salt").dumps(1)
    assert one.loads(signed_with_old) == 1
    assert URLSafeTimedSerializer("new", salt="salt").loads(one.dumps(2)) == 2


@pytest.mark.parametrize("options", [
    (),  # itsdangerous's defaults, as the CSRF token is signed
    (("key_derivation", "hmac"), ("digest_method", hashlib.sha1)),  # Flask's session cookie
])
def test_a_cookie_is_signed_exactly_as_itsdangerous_signs_it(options, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_790_000_000)
    ours = signing_serializer(("old", "new"), "cookie-session", None, options)
    theirs = URLSafeTimedSerializer(["old", "new"], salt="cookie-session",
                                    signer_kwargs=dict(options))
    for value in ("a-csrf-secret", 7):  # too short for zlib, so the payloads match too
        assert ours.dumps(value) == theirs.dumps(value)
    assert theirs.loads(ours.dumps(SESSION)) == SESSION
    assert ours.loads(URLSafeTimedSerializer("old", salt="cookie-session",
                                             signer_kwargs=dict(options)).dumps(1)) == 1


def test_the_basket_cookie_signer_signs_as_itsdangerous_does():
    ours = plain_signer("secret", "basket-cookie")
    assert plain_signer("secret", "basket-cookie") is ours
    assert ours.sign("a-basket-token") == Signer("secret", salt="basket-cookie").sign(
        "a-basket-token")
    assert ours.unsign(Signer("secret", salt="basket-cookie").sign("x")) == b"x"


@pytest.mark.parametrize("session", [
    SESSION,
    {"z": "last", "a": "first", "é": "non-ASCII \u2603 and \"quotes\""},
    {"basket": 7, "csrf_token": "a"},  # not all strings: Flask's own path
    {" t": "looks like a tag"},  # a tag's key: Flask's own path
    {"flashes": [("info", "Added")], "when": datetime(2026, 11, 29, tzinfo=UTC)},
])
def test_a_session_is_written_exactly_as_flask_writes_it(session):
    with Flask(__name__).app_context():
        theirs = TaggedJSONSerializer()
        assert SessionJSON().dumps(session) == theirs.dumps(session)
        assert theirs.loads(SessionJSON().dumps(session)) == theirs.loads(theirs.dumps(session))


def _answer(interface, view, config: dict | None = None) -> tuple:
    """The session's headers for a view of a tiny app saving sessions through `interface`."""
    app = Flask(__name__)
    app.secret_key = "secret"
    app.config.update(config or {})
    app.session_interface = interface
    app.add_url_rule("/", "page", view)
    response = app.test_client().get("/", headers={"Cookie": "session=eyJhIjoiYiJ9.aSrp7g.x"})
    return response.headers.get("Vary"), response.headers.getlist("Set-Cookie")


def _set(vary: str = ""):
    def view():
        session["csrf_token"] = "a"
        return "page", 200, {"Vary": vary} if vary else {}
    return view


@pytest.mark.parametrize("view", [
    lambda: "not looked at",
    lambda: session.get("csrf_token", "looked at"),
    _set(), _set("Accept-Encoding"), _set("Accept-Encoding, Cookie"),
    lambda: (session.clear(), "emptied")[1],
], ids=["untouched", "read", "set", "set beside another Vary", "set, Vary already", "emptied"])
def test_the_session_cookie_and_vary_are_written_as_flask_writes_them(view, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_790_000_000)
    ours, flasks = _answer(PrivateCookieSessions(), view), _answer(
        SecureCookieSessionInterface(), view)
    assert ours == flasks


def _permanent():
    session.permanent = True
    session["csrf_token"] = "a"
    return "page"


@pytest.mark.parametrize(("view", "config"), [
    (_set(), {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_SAMESITE": "Lax",
              "SESSION_COOKIE_DOMAIN": "shop.example", "SESSION_COOKIE_PATH": "/a path/"}),
    (_set(), {"SESSION_COOKIE_PARTITIONED": True, "SESSION_COOKIE_HTTPONLY": False}),
    (_permanent, {}),
], ids=["secure, Lax, a domain and a path", "partitioned, not HttpOnly", "permanent"])
def test_the_session_cookies_attributes_are_flasks_whatever_the_settings(
    view, config, monkeypatch
):
    monkeypatch.setattr(time, "time", lambda: 1_790_000_000)
    ours, flasks = (_answer(interface, view, config)
                    for interface in (PrivateCookieSessions(), SecureCookieSessionInterface()))
    # A permanent cookie's Expires counts from each answer's own second.
    assert _expiry_aside(ours) == _expiry_aside(flasks)


def _expiry_aside(answer: tuple) -> tuple:
    vary, cookies = answer
    return vary, [re.sub(r"Expires=[^;]+", "Expires=…", cookie) for cookie in cookies]
