"""Basket and delivery-estimate API: the caller's basket is the one its cookie names.

The API is exempt from CSRF tokens; requiring `Content-Type: application/json` on writes is
what stops another site's form posting here, since a cross-site request with that type needs a
CORS preflight this API never grants (and the SameSite=Lax cookie is not sent anyway).
"""

from __future__ import annotations

import json

from flask import request, url_for

from shop.api import bp
from shop.api.schemas import basket_json, estimate_json
from shop.api.views import parse_instant
from shop.basket.cookie import current_basket, current_priced_basket, remember_basket
from shop.basket.service import add_item, remove_item, set_quantity
from shop.domain.basket import BasketError, PricedBasket, check_quantity
from shop.errors import Problem
from shop.web import delivery_estimate, delivery_rule, now

MAX_SLUG_LENGTH = 120


def json_body() -> dict:
    """The request's JSON object: 415 unless sent as JSON, 400 if unreadable, 422 if no object."""
    if request.mimetype != "application/json":
        raise Problem(415, "Send the body as JSON with Content-Type: application/json.")
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise Problem(400, "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Problem(422, "The body must be a JSON object.")
    return body


def field(body: dict, name: str) -> object:
    """A required field of the body (422 when it is missing)."""
    if name not in body:
        raise Problem(422, f"{name} is required.")
    return body[name]


def slug_field(body: dict) -> str:
    slug = field(body, "slug")
    if not isinstance(slug, str) or not 0 < len(slug) <= MAX_SLUG_LENGTH:
        raise Problem(422, f"slug must be a string of 1 to {MAX_SLUG_LENGTH} characters.")
    return slug


def quantity_field(body: dict, minimum: int) -> int:
    try:
        return check_quantity(field(body, "quantity"), minimum)
    except BasketError as exc:
        raise Problem(exc.status, f"quantity: {exc.detail}") from None


def _basket_answer(priced: PricedBasket, status: int = 200):
    body = basket_json(priced)
    headers = {"Location": url_for("api.basket")} if status == 201 else {}
    return body, status, headers


@bp.get("/basket")
def basket():
    """The caller's basket at current prices (empty before the first add)."""
    return _basket_answer(current_priced_basket())


@bp.post("/basket/items")
def add_basket_item():
    """Add units of a product; adds to the line when the product is already in the basket."""
    body = json_body()
    slug, quantity = slug_field(body), quantity_field(body, minimum=1)
    try:
        change = add_item(current_basket(), slug, quantity, now(), delivery_rule())
    except BasketError as exc:
        raise Problem(exc.status, exc.detail) from None
    remember_basket(change)
    return _basket_answer(change.priced, 201)


@bp.patch("/basket/items/<slug>")
def update_basket_item(slug: str):
    """Set a line's quantity; 0 removes it."""
    quantity = quantity_field(json_body(), minimum=0)
    try:
        change = set_quantity(current_basket(), slug, quantity, now(), delivery_rule())
    except BasketError as exc:
        raise Problem(exc.status, exc.detail) from None
    remember_basket(change)
    return _basket_answer(change.priced)


@bp.delete("/basket/items/<slug>")
def delete_basket_item(slug: str):
    """Take a line out of the basket."""
    try:
        change = remove_item(current_basket(), slug, now(), delivery_rule())
    except BasketError as exc:
        raise Problem(exc.status, exc.detail) from None
    remember_basket(change)
    return _basket_answer(change.priced)


@bp.get("/delivery/estimate")
def delivery_estimate_at():
    """Dispatch and delivery dates for an order placed at `at` (default now)."""
    at = parse_instant() or now()
    return estimate_json(delivery_estimate(at), at)
