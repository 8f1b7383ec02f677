"""API views: parse, call one function, answer JSON."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import request

from shop.api import bp
from shop.api.openapi import document
from shop.api.schemas import chat_json, product_json
from shop.catalogue.queries import (
    BadQuery,
    parse_positive,
    product_by_slug,
    search_active_products,
)
from shop.errors import Problem
from shop.web import chat_now

#: RFC 3339's date-time (what OpenAPI's `format: date-time` means), offset optional here so a
#: missing one can be named as the problem.
_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)
#: Instants the shop's rules answer for; beyond them the time zone rules are guesswork
#: (London kept its own mean time until 1847) and dates near year 9999 overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def parse_instant(name: str = "at") -> datetime | None:
    """Read an RFC 3339 instant (with a UTC offset) from the query string, or None."""
    value = request.args.get(name)
    if value is None:
        return None
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        raise Problem(400, f"{name} must be an ISO 8601 date and time.")
    day, clock, fraction, offset = match.groups()
    if offset is None:
        raise Problem(422, f"{name} must include a UTC offset, e.g. 2026-11-25T10:00:00+00:00.")
    offset = "+00:00" if offset in "Zz" else offset
    try:
        instant = datetime.fromisoformat(f"{day}T{clock}{(fraction or '')[:7]}{offset}")
    except ValueError:
        raise Problem(400, f"{name} is not a real date and time.") from None
    if not EARLIEST <= instant < LATEST:
        raise Problem(422, f"{name} must be between 1970 and 2999.")
    return instant


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return document()


@bp.get("/products")
def products():
    """Search active products, a page at a time."""
    args = request.args
    try:
        page = parse_positive(args.get("page"), "page", 1, 100_000)
        per_page = parse_positive(args.get("per_page"), "per_page", 20, 100)
        result = search_active_products(
            args.get("q", "").strip(), args.get("category", "").strip(), page, per_page
        )
    except BadQuery as exc:
        raise Problem(exc.status, str(exc)) from None
    return {
        "items": [product_json(p) for p in result.items],
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
    }


@bp.get("/products/<slug>")
def product(slug: str):
    """One active product."""
    item = product_by_slug(slug)
    if item is None:
        raise Problem(404, f"No product has the slug {slug!r}.")
    return product_json(item)


@bp.get("/chat/status")
def chat_status():
    """Whether live chat is online at `at` (default now)."""
    return chat_json(chat_now(parse_instant()))
