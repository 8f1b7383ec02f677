"""API views: parse, call one function, answer JSON."""

from __future__ import annotations

from datetime import datetime

from flask import request

from shop.api import bp
from shop.api.openapi import document
from shop.api.schemas import chat_json, product_json
from shop.catalogue.queries import BadQuery, parse_positive, product_by_slug, search_products
from shop.errors import Problem
from shop.web import chat_now


def parse_instant(name: str = "at") -> datetime | None:
    """Read an ISO 8601 instant with an offset from the query string, or None."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise Problem(400, f"{name} must be an ISO 8601 date and time.") from None
    if instant.tzinfo is None:
        raise Problem(422, f"{name} must include a UTC offset, e.g. 2026-11-25T10:00:00+00:00.")
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
        result = search_products(
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
