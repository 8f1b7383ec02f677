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
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

from flask import current_app, g, render_template, request

from shop.cache import LocalCache
from shop.web import chat_now

#: Stand-ins rendered into a shared page where each visit's own values go.
TOKEN = "csrf-token-of-this-visit"
NOW = "instant-of-this-visit"
#: How many pages one process keeps (each a few kilobytes), and for how long at most.
ENTRIES = 512
TTL_SECONDS = 3600.0


def capturing() -> bool:
    """Whether a page for every first visitor is being rendered (so nothing personal goes in)."""
    return g.get("page_capture", False)


def render_page(template: str, *, now: datetime | None = None, vary: tuple = (),
                made_from: Hashable = None, **context) -> str:
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
            page = render_template(template, **context)
        finally:
            g.page_capture = False
        if now is not None:
            page = page.replace(now.isoformat(), NOW)
        cache.set(key, page, TTL_SECONDS)
    if now is not None:
        page = page.replace(NOW, now.isoformat())
    if TOKEN in page:
        from shop.security import stable_csrf_token

        page = page.replace(TOKEN, stable_csrf_token())
    return page
