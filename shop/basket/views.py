"""Basket pages and forms: they work without JavaScript (post, redirect, show the basket)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for

from shop.basket import bp
from shop.basket.cookie import current_basket, current_priced_basket, remember_basket
from shop.basket.service import add_item, remove_item, set_quantity
from shop.discounts.basket import apply_code, remove_code
from shop.discounts.service import DiscountRefused
from shop.domain.basket import MAX_QUANTITY, BasketError, InvalidQuantity, check_quantity
from shop.web import delivery_estimate, delivery_rule, now


def form_quantity(text: str | None, minimum: int) -> int:
    """Read a quantity typed into a form: digits only, from `minimum` to 99."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise InvalidQuantity(f"Please enter a quantity from {minimum} to {MAX_QUANTITY}.")
    return check_quantity(int(text), minimum)


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to, or None (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _back_to_basket():
    return redirect(url_for("basket.index"), code=303)


@bp.get("/basket")
def index():
    """The basket: lines at current prices, delivery, total, and when it would arrive."""
    at = now()
    return render_template(
        "basket/index.html",
        basket=current_priced_basket(),
        estimate=delivery_estimate(at),
        now=at,
    )


@bp.post("/basket/items")
def add():
    """Add a product from a catalogue or product page, then show the basket."""
    try:
        quantity = form_quantity(request.form.get("quantity", "1"), minimum=1)
        slug = request.form.get("slug", "")
        change = add_item(current_basket(), slug, quantity, now(), delivery_rule())
    except BasketError as exc:
        flash(exc.detail, "error")
        return redirect(safe_next(request.form.get("next")) or url_for("basket.index"), code=303)
    remember_basket(change)
    flash(f"Added {quantity} × {change.name} to your basket.", "success")
    return _back_to_basket()


@bp.post("/basket/items/<slug>")
def update(slug: str):
    """Change a line's quantity; 0 takes it out."""
    try:
        quantity = form_quantity(request.form.get("quantity"), minimum=0)
        change = set_quantity(current_basket(), slug, quantity, now(), delivery_rule())
    except BasketError as exc:
        flash(exc.detail, "error")
        return _back_to_basket()
    remember_basket(change)
    if change.quantity:
        flash(f"{change.name}: quantity now {change.quantity}.", "success")
    else:
        flash(f"Removed {change.name} from your basket.", "success")
    return _back_to_basket()


@bp.post("/basket/items/<slug>/remove")
def remove(slug: str):
    """Take a line out of the basket."""
    try:
        change = remove_item(current_basket(), slug, now(), delivery_rule())
    except BasketError as exc:
        flash(exc.detail, "error")
        return _back_to_basket()
    remember_basket(change)
    flash(f"Removed {change.name} from your basket.", "success")
    return _back_to_basket()


@bp.post("/basket/discount")
def apply_discount():
    """Apply the discount code typed into the basket's field."""
    try:
        change = apply_code(current_basket(), request.form.get("code", "")[:200], now(),
                            delivery_rule())
    except DiscountRefused as exc:
        flash(exc.detail, "error")
        return _back_to_basket()
    remember_basket(change)
    discount = change.priced.discount
    flash(f"Code {discount.code} applied: {discount.label}.", "success")
    return _back_to_basket()


@bp.post("/basket/discount/remove")
def remove_discount():
    """Take the discount code off the basket."""
    change = remove_code(current_basket(), now(), delivery_rule())
    if change is not None:
        remember_basket(change)
        flash("Discount code removed.", "success")
    return _back_to_basket()
