"""Customer account rules: passwords, first names, and merging quantities into a basket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
#: Units of one product a basket line may hold (shop.domain.basket.MAX_QUANTITY).
MAX_LINE_QUANTITY = 99


def password_problem(password: str, common: frozenset[str], email: str = "") -> str | None:
    """Why a new password is refused (too short, too long, common, or the email), or None.

    `common` holds the most common passwords in lower case; comparing in lower case also
    refuses "Password123" when "password123" is on the list.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Your password must be at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Your password must be at most {MAX_PASSWORD_LENGTH} characters."
    if not password.strip():
        return "Your password cannot be only spaces."
    folded = password.lower()
    if folded in common:
        return "That password is one of the most common passwords. Please choose another."
    if email and folded == email.strip().lower():
        return "Your password cannot be your email address."
    return None


def first_name(name: str) -> str:
    """The first word of a name, for "Hello, Ada" in the header ("" for no name)."""
    words = name.split()
    return words[0][:40] if words else ""


def merged_quantities(
    account: Mapping[int, int], guest: Mapping[int, int], stock: Mapping[int, int]
) -> dict[int, int]:
    """The account basket's quantity of each product after adding the guest basket's.

    Each is capped at the product's stock and at 99; a product with no stock keeps what the
    account basket had (the basket page then says it is out of stock).
    """
    merged = dict(account)
    for product_id, quantity in guest.items():
        total = merged.get(product_id, 0) + quantity
        cap = min(MAX_LINE_QUANTITY, max(stock.get(product_id, 0), 0))
        merged[product_id] = max(min(total, cap), merged.get(product_id, 0))
    return {product_id: quantity for product_id, quantity in merged.items() if quantity > 0}


def reorder_quantities(
    lines: Iterable[tuple[int, int]], stock: Mapping[int, int], in_basket: Mapping[int, int]
) -> tuple[dict[int, int], set[int]]:
    """What "Buy again" adds of each product, capped at stock and 99 with what the basket
    holds already, and which products cannot be added at all (gone or out of stock)."""
    wanted: dict[int, int] = {}
    for product_id, quantity in lines:
        wanted[product_id] = wanted.get(product_id, 0) + quantity
    adds: dict[int, int] = {}
    gone: set[int] = set()
    for product_id, quantity in wanted.items():
        have = in_basket.get(product_id, 0)
        room = min(MAX_LINE_QUANTITY, stock.get(product_id, 0)) - have
        if stock.get(product_id, 0) <= 0:
            gone.add(product_id)
        elif room > 0:
            adds[product_id] = min(quantity, room)
    return adds, gone
