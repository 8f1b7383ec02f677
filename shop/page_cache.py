"""Storefront pages rendered once per change for visitors who bring no cookie.

A first visit (a reader arriving from a search engine, a shopper's first page) has no session,
basket, account or flashed message, so its page is every other first visitor's page but for
two things: the CSRF token in its forms, which is the visitor's own, and the instant the
delivery countdown counts from. `render_page` renders such a page once for everything else it
shows — the view's context, the host, the address, the live-chat state — keeps it in this
process, and gives each first visit a copy with its own token (minted, with its session
cookie, only when the page has a form, as before) and its own instant. The key holds the
values the page is built from, so a changed price, stock level or post is a new key, never a
stale page. A visitor who sends any cookie gets the page rendered in full, every time.

A browser that accepts gzip gets the shared page gzipped from parts deflated once
(shop.http_cache.GzipParts) with its own values stored between them, and its ETag: the same
validator as the page's full rendering would have, for the same body.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import datetime

from flask import Response, current_app, g, render_template, request

from shop.cache import LocalCache
from shop.http_cache import GzipParts, accepts_gzip, body_etag
from shop.web import chat_now

#: Stand-ins rendered into a shared page where each visit's own values go.
TOKEN = "csrf-token-of-this-visit"
NOW = "instant-of-this-visit"
_STAND_INS = re.compile(f"({TOKEN}|{NOW})")
#: How many pages one process keeps (each a few kilobytes), and for how long at most.
ENTRIES = 512
TTL_SECONDS = 3600.0


def capturing() -> bool:
    """Whether a page for every first visitor is being rendered (so nothing personal goes in)."""
    return g.get("page_capture", False)


class SharedPage:
    """A page rendered for every first visitor, cut where each visit's own values go."""

    def __init__(self, text: str) -> None:
        self.pieces = _STAND_INS.split(text)  # its own text, then a stand-in, then text…
        self.stand_ins = frozenset(self.pieces[1::2])
        self._gzip: GzipParts | None = None

    def text(self, values: dict[str, str]) -> str:
        pieces = list(self.pieces)
        pieces[1::2] = [values[stand_in] for stand_in in pieces[1::2]]
        return "".join(pieces)

    def gzipped(self, values: dict[str, str]) -> Response:
        """The page with `values` in place, gzipped, with its ETag."""
        if self._gzip is None:
            self._gzip = GzipParts([piece.encode() for piece in self.pieces[::2]])
        body = self.text(values).encode()
        response = current_app.response_class(
            self._gzip.compress([values[s].encode() for s in self.pieces[1::2]], body),
            mimetype="text/html",
        )
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(body_etag(body), weak=True)
        return response


def render_page(template: str, *, now: datetime | None = None, vary: tuple = (),
                made_from: Hashable = None, **context) -> str | Response:
    """`render_template(template, now=now, **context)`, shared by first visits.

    `now` is the request's instant, if the page shows one; `vary` names anything else the
    page shows that its context does not hold (a countdown's wording, say). `made_from`, when
    given, stands for the whole context in the page's key: a hashable value that changes
    whenever the context does (a hash of an article's content, a tuple of a listing's
    cards), cheaper to compare than the context written out (an article's 9 KB, 40 µs a
    visit).
    """
    if now is not None:
        context["now"] = now
    if request.cookies:
        return render_template(template, **context)
    cache = current_app.extensions.setdefault("shop_pages", LocalCache(max_entries=ENTRIES))
    shared = made_from if made_from is not None else repr(sorted(
        (k, v) for k, v in context.items() if k != "now"))
    # The address as the page's links are built from it (scheme, host, script root, path).
    key = (template, request.scheme, request.host, request.root_path, request.path,
           request.query_string, chat_now(), vary, shared)
    page = cache.get(key)
    if page is None:
        g.page_capture = True
        try:
            text = render_template(template, **context)
        finally:
            g.page_capture = False
        if now is not None:
            text = text.replace(now.isoformat(), NOW)
        page = SharedPage(text)
        cache.set(key, page, TTL_SECONDS)
    values = {}
    if NOW in page.stand_ins:
        values[NOW] = now.isoformat()
    if TOKEN in page.stand_ins:
        from shop.security import stable_csrf_token

        values[TOKEN] = stable_csrf_token()
    if accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return page.gzipped(values)
    return page.text(values)
