"""Applying a discount code to the basket, and taking it off."""

from __future__ import annotations

from datetime import datetime

from shop.basket.service import LineChange, price_basket
from shop.discounts.service import DiscountRefused, unknown
from shop.domain.basket import PricedBasket
from shop.domain.delivery import DeliveryRule
from shop.domain.discounts import CODE_PATTERN, Reason, Refusal, normalise_code
from shop.models import Basket
from shop.transaction import transaction


def apply_code(basket: Basket | None, typed: str, now: datetime, rule: DeliveryRule) -> LineChange:
    """Put the code on the basket if it applies to it now, or raise DiscountRefused (nothing
    changes: a code that does not apply is never stored)."""
    code = normalise_code(typed)
    if not code:
        raise DiscountRefused(Refusal("", Reason.EMPTY, "Please type a discount code."))
    if not CODE_PATTERN.match(code):
        raise DiscountRefused(unknown(code))
    if basket is None or not basket.lines:
        raise DiscountRefused(Refusal(code, Reason.EMPTY_BASKET,
                                      "Add something to your basket, then apply the code."))
    priced = price_basket(basket, rule, now, code=code)
    if priced.code_refusal is not None:
        raise DiscountRefused(priced.code_refusal)
    with transaction():
        basket.discount_code = code
        basket.updated_at = now
        change = _change(basket, priced)
    return change


def remove_code(basket: Basket | None, now: datetime, rule: DeliveryRule) -> LineChange | None:
    """Take the code off the basket; None when there was no basket."""
    if basket is None:
        return None
    with transaction():
        basket.discount_code = None
        basket.updated_at = now
        change = _change(basket, price_basket(basket, rule, now))
    return change


def _change(basket: Basket, priced: PricedBasket) -> LineChange:
    return LineChange(basket, basket.token, "", "", 0, priced)
