"""Conditional GETs and compression for pages and API answers.

Every successful GET of HTML or JSON gets a weak ETag computed from its body, so a browser
that already holds the same page gets `304 Not Modified` and no body. The ETag hashes the page
as sent, so whatever the page embeds (the live-chat state that flips at 08:00 and 20:00, stock,
prices) changes it. Pages say `Cache-Control: no-cache`: a browser may keep them but must
revalidate each time. A response that sets a cookie or varies on one is made `private` at the
very end (when Flask saves the session), so no shared cache ever keeps one customer's answer,
or cookie, for another. The ETag is weak because it stands for the content in any encoding;
Flask-Compress then compresses what is still to be sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import struct
import time
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from flask import Flask, Response, request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_compress import Compress
from itsdangerous import Serializer, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes
from itsdangerous.signer import HMACAlgorithm
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import dump_cookie, parse_accept_header, parse_cache_control_header

compress = Compress()

CONDITIONAL_TYPES = {"text/html", "application/json"}
#: The request headers make_conditional compares with a response (WSGI names).
_VALIDATORS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_RANGE",
               "HTTP_RANGE")
_COOKIE_TOKEN = re.compile(r"(?:^|,)\s*cookie\s*(?:,|$)", re.IGNORECASE)
#: A signed cookie's characters (URL-safe base64 and dots): nothing to quote (RFC 6265).
_PLAIN_COOKIE = re.compile(r"[A-Za-z0-9_.-]*")


class SmallPayloadSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe serializer, without trying zlib on a small payload, and
    signing with one signer per salt made once (see ReusedKeyTimestampSigner).

    A session of a CSRF token or two is 150 bytes; zlib's set-up alone (about 100 µs here)
    costs more than all the rest of signing it, for a few bytes saved. Loading reads either
    form, so cookies made before or after this change are equally valid.
    """

    SMALL = 1024

    def dump_payload(self, obj: Any) -> bytes:
        json = Serializer.dump_payload(self, obj)
        return base64_encode(json) if len(json) <= self.SMALL else super().dump_payload(obj)

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        # A signer holds only its settings, so one per salt serves every call.
        signers = self.__dict__.setdefault("_signers", {})
        if salt not in signers:
            signers[salt] = super().make_signer(salt)
        return signers[salt]


class OneCallHMAC(HMACAlgorithm):
    """HMAC in one call into OpenSSL (hmac.digest). itsdangerous's default digest is a Python
    function wrapping hashlib.sha1, which sends hmac.new down its slow pure-Python path."""

    def __init__(self, digest_method: Any = None) -> None:
        super().__init__(digest_method)
        self.digest_name = self.digest_method().name

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.digest_name)


class ReusedKeySigner(Signer):
    """itsdangerous's Signer, deriving each secret's key once rather than on every signature
    and signing with OneCallHMAC: the same signatures, for a fraction of the time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = OneCallHMAC(self.digest_method)
        self._keys: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = None if secret_key is None else want_bytes(secret_key)
        if key not in self._keys:
            self._keys[key] = super().derive_key(key)
        return self._keys[key]


class ReusedKeyTimestampSigner(TimestampSigner, ReusedKeySigner):
    """The same for TimestampSigner, which sessions and CSRF tokens use."""

    def sign(self, value: str | bytes) -> bytes:
        """TimestampSigner.sign's bytes, in one step rather than five calls."""
        sep = want_bytes(self.sep)
        value = want_bytes(value) + sep + base64_encode(int_to_bytes(int(time.time())))
        return value + sep + base64_encode(
            self.algorithm.get_signature(self.derive_key(), value))


@lru_cache(maxsize=16)
def plain_signer(secret_key: str, salt: str) -> Signer:
    """One Signer (no timestamp) per secret and salt, made once."""
    return ReusedKeySigner(secret_key, salt=salt)


@lru_cache(maxsize=16)
def signing_serializer(keys: tuple, salt: str, serializer: Any = None,
                       signer_options: tuple = ()) -> URLSafeTimedSerializer:
    """One serializer per secret and salt, made once: making one costs as much as using it.
    `keys` are the old secrets and then the current one; `signer_options`, (name, value)s."""
    return SmallPayloadSerializer(list(keys), salt=salt, serializer=serializer,
                                  signer=ReusedKeyTimestampSigner,
                                  signer_kwargs=dict(signer_options))


class SessionJSON(TaggedJSONSerializer):
    """Flask's session serializer, writing a session of plain strings (a CSRF token, an id)
    without asking each of its tags about each value: the same JSON, a fifth of the time."""

    def dumps(self, value: Any) -> str:
        if type(value) is dict and all(
            type(k) is str and type(v) is str and k not in self.tags for k, v in value.items()
        ):
            return _SESSION_JSON(value)
        return super().dumps(value)


#: What TaggedJSONSerializer writes for a dict of strings (the app's JSON: sorted, ASCII).
_SESSION_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


class PrivateCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marking personal responses `private` once saved."""

    serializer = SessionJSON()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        # Flask's own order: the fallbacks, then the current key, which signs.
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        signer = (("key_derivation", self.key_derivation), ("digest_method", self.digest_method))
        return signing_serializer(keys, self.salt, self.serializer, signer)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask's save_session, but `Vary: Cookie` written once (Flask parses and rewrites the
        header for each of its additions), then a personal answer marked `private`; the
        cookie's attributes and each Cache-Control's private form are worked out once."""
        headers = response.headers
        name = self.get_cookie_name(app)
        options = {"domain": self.get_cookie_domain(app), "path": self.get_cookie_path(app),
                   "secure": self.get_cookie_secure(app),
                   "partitioned": self.get_cookie_partitioned(app),
                   "samesite": self.get_cookie_samesite(app),
                   "httponly": self.get_cookie_httponly(app)}
        cookie = False  # whether this answer sets or deletes the session cookie
        if not session:
            if session.modified:
                response.delete_cookie(name, **options)
                cookie = True
        elif self.should_set_cookie(app, session):
            value = self.get_signing_serializer(app).dumps(dict(session))
            expires = self.get_expiration_time(app, session)
            if expires is None and _PLAIN_COOKIE.fullmatch(value):
                # Werkzeug's dump_cookie quotes the path and checks each attribute on every
                # call: a session cookie's attributes are the same each time.
                headers.add("Set-Cookie", f"{name}={value}{_cookie_attributes(**options)}")
            else:
                response.set_cookie(name, value, expires=expires, **options)
            cookie = True
        vary = headers.get("Vary", "")
        if request.endpoint == "static" and "Set-Cookie" not in headers:
            # A static file is the same for everyone, whoever's session was glanced at.
            if _COOKIE_TOKEN.search(vary):
                response.vary.discard("Cookie")
            return
        if cookie or session.accessed:
            if not vary:
                headers["Vary"] = vary = "Cookie"
            elif not _COOKIE_TOKEN.search(vary):
                headers["Vary"] = vary = f"{vary}, Cookie"
        if cookie or "Set-Cookie" in headers or _COOKIE_TOKEN.search(vary):
            private = _private(headers.get("Cache-Control"))
            if private is not None:
                headers["Cache-Control"] = private


@lru_cache(maxsize=16)
def _cookie_attributes(**options: Any) -> str:
    """What follows `name=value` in a Set-Cookie header with these options."""
    return dump_cookie("k", "", **options)[len("k="):]


@lru_cache(maxsize=64)
def _private(cache_control: str | None) -> str | None:
    """A personal answer's Cache-Control: `private`, never shared, unless it is `no-store`
    (None: leave it). Pages send a handful of policies, so each is worked out once."""
    policy = parse_cache_control_header(cache_control, cls=ResponseCacheControl)
    if policy.no_store:
        return None
    policy.public = False
    policy.s_maxage = None
    policy.private = True
    return policy.to_header()


def body_etag(body: bytes) -> str:
    """The weak ETag's value for a body: the same for the page in any encoding."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


@lru_cache(maxsize=64)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (browsers send a handful of values)."""
    return parse_accept_header(accept_encoding)["gzip"] > 0


class GzipParts:
    """A gzip body made of fixed parts, each deflated once, and short values stored per answer.

    Compressing a whole page costs a first visit more than rendering it did (the page cache
    hands it over ready but for its CSRF token and its instant). Here each fixed part is
    deflated once at level 9, by its own compressor, ending on a byte boundary (a sync flush),
    so the parts are independent deflate blocks that may follow anything (RFC 1951); each
    answer's values go between them as stored blocks (no compression: tens of bytes), and the
    gzip trailer's CRC-32 and length are the whole body's (RFC 1952). Per answer that is a
    CRC over the body and a join, instead of a compression.
    """

    HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, OS unknown

    def __init__(self, fixed: Sequence[bytes]) -> None:
        self.deflated = [self._deflate(part, last=False) for part in fixed[:-1]]
        self.deflated.append(self._deflate(fixed[-1], last=True))

    @staticmethod
    def _deflate(part: bytes, last: bool) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return compressor.compress(part) + compressor.flush(
            zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    def compress(self, values: Sequence[bytes], body: bytes) -> bytes:
        """The gzip of `body`, which is the fixed parts with `values` between them."""
        out = [self.HEADER]
        for deflated, value in zip(self.deflated[:-1], values, strict=True):
            # A stored block: BFINAL 0 and BTYPE 00 padded to a byte, LEN, NLEN, the bytes.
            out += (deflated, struct.pack("<BHH", 0, len(value), len(value) ^ 0xFFFF), value)
        out += (self.deflated[-1], struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF))
        return b"".join(out)


def conditional(response: Response) -> Response:
    """Add the validator and caching policy, and answer 304 when the client is current."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.mimetype not in CONDITIONAL_TYPES or response.is_streamed:
        return response
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    if not response.headers.get("ETag"):
        response.set_etag(body_etag(response.get_data()), weak=True)
    if request.environ.keys().isdisjoint(_VALIDATORS):
        # Nothing to compare (a first visit). The server adds the Date header (gunicorn always
        # does; one from the app as well would make two).
        return response
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Compress (Brotli, else gzip) what is sent, after the ETag has been checked."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Brotli 1 rather than Flask-Compress's 4: a tenth of a page's CPU time (0.1 ms of ~1 ms,
    # bench.profile) for ~400 more bytes on a 3 KB page, well inside one TCP round trip.
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    # Static files are compressed once at start-up by shop.assets; never again here.
    app.config.setdefault("COMPRESS_STREAMS", False)
    # `conditional` (below) has answered any validator already, before compression: a second
    # make_conditional on the compressed body would find nothing new.
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", False)
    compress.init_app(app)
    app.session_interface = PrivateCookieSessions()
    # Registered after Flask-Compress, so it runs before it: a 304 is never compressed.
    app.after_request(conditional)
