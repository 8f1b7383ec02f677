"""Basket and delivery-estimate API: the caller's basket is the one its cookie names.

The API is exempt from CSRF tokens; requiring `Content-Type: application/json` on writes is
what stops another site's form posting here, since a cross-site request with that type needs a
CORS preflight this API never grants (and the SameSite=Lax cookie is not sent anyway).
"""

from __future__ import annotations

from flask import url_for

from shop.api import bp
from shop.api.schemas import (
    AtQuery,
    Basket,
    BasketItemAdd,
    BasketItemUpdate,
    DeliveryEstimate,
    DiscountCodeApply,
)
from shop.api.spec import link, operation
from shop.basket.cookie import current_basket, current_priced_basket, remember_basket
from shop.basket.service import LineChange, add_item, remove_item, set_quantity
from shop.discounts.basket import apply_code, remove_code
from shop.discounts.service import DiscountRefused
from shop.domain.basket import BasketError
from shop.errors import Problem
from shop.web import delivery_estimate, delivery_rule, now

#: Where a line that was just added can be changed or removed.
LINE_LINKS = {
    "UpdateLine": link("updateBasketItem", slug="$request.body#/slug"),
    "RemoveLine": link("deleteBasketItem", slug="$request.body#/slug"),
}


def _changed(change: LineChange) -> Basket:
    remember_basket(change)
    return Basket.of(change.priced)


@bp.get("/basket")
@operation("getBasket", 200, Basket)
def basket():
    """The caller's basket at current prices (empty before the first add).

    The basket of the caller's `basket` cookie; empty without one.
    """
    return Basket.of(current_priced_basket())


@bp.post("/basket/items")
@operation("addBasketItem", 201, Basket, (400, 404, 409, 415, 422), links=LINE_LINKS)
def add_basket_item(json: BasketItemAdd):
    """Add units of a product; adds to the line when the product is already in the basket.

    Sets the `basket` cookie when the basket is new.
    """
    try:
        change = add_item(current_basket(), json.slug, json.quantity, now(), delivery_rule())
    except BasketError as exc:
        raise Problem(exc.status, exc.detail) from None
    return _changed(change), 201, {"Location": url_for("api.basket")}


@bp.patch("/basket/items/<slug>")
@operation("updateBasketItem", 200, Basket, (400, 404, 409, 415, 422))
def update_basket_item(slug: str, json: BasketItemUpdate):
    """Set a line's quantity; 0 removes it."""
    try:
        change = set_quantity(current_basket(), slug, json.quantity, now(), delivery_rule())
    except BasketError as exc:
        raise Problem(exc.status, exc.detail) from None
    return _changed(change)


@bp.delete("/basket/items/<slug>")
@operation("deleteBasketItem", 200, Basket, (404,))
def delete_basket_item(slug: str):
    """Take a line out of the basket."""
    try:
        change = remove_item(current_basket(), slug, now(), delivery_rule())
    except BasketError as exc:
        raise Problem(exc.status, exc.detail) from None
    return _changed(change)


@bp.get("/delivery/estimate")
@operation("getDeliveryEstimate", 200, DeliveryEstimate, (400, 422))
def delivery_estimate_at(query: AtQuery):
    """Dispatch and delivery dates for an order placed at `at` (default now)."""
    at = query.at or now()
    return DeliveryEstimate.of(delivery_estimate(at), at)


@bp.post("/basket/discount")
@operation("applyBasketDiscount", 200, Basket, (400, 415, 422))
def apply_basket_discount(json: DiscountCodeApply):
    """Apply a discount code (any case) to the basket; one code per order replaces another.

    422 names why a code does not apply in `reason`: unknown, not_started, ended,
    minimum_spend, used_up, already_used, inactive, empty or empty_basket; nothing changes.
    """
    try:
        change = apply_code(current_basket(), json.code, now(), delivery_rule())
    except DiscountRefused as exc:
        refusal = exc.refusal
        raise Problem(422, refusal.message, extra={
            "errors": {"code": refusal.message}, "reason": refusal.reason}) from None
    return _changed(change)


@bp.delete("/basket/discount")
@operation("removeBasketDiscount", 200, Basket)
def remove_basket_discount():
    """Take the discount code off the basket (nothing to do when none is applied)."""
    change = remove_code(current_basket(), now(), delivery_rule())
    return _changed(change) if change else Basket.of(current_priced_basket())
