"""Which basket a request belongs to: a random token in a signed, HttpOnly, 30-day cookie."""

from __future__ import annotations

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, Signer

from shop.basket.service import LIFETIME, LineChange, find_basket, price_basket
from shop.domain.basket import PricedBasket
from shop.http_cache import plain_signer
from shop.models import Basket
from shop.web import delivery_rule, now

COOKIE = "basket"


def _signer() -> Signer:
    return plain_signer(current_app.secret_key, "basket-cookie")


def _token_from_cookie() -> str | None:
    value = request.cookies.get(COOKIE)
    if not value or len(value) > 200:
        return None
    try:
        return _signer().unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def current_basket() -> Basket | None:
    """This visitor's basket, or None before the first thing goes in (looked up once a
    request): the one this request changed or made, else the cookie's."""
    if "basket" not in g:
        token = g.get("basket_cookie") or _token_from_cookie()
        g.basket = find_basket(token, now()) if token else None
    return g.basket


def current_priced_basket() -> PricedBasket:
    """This visitor's basket at current prices with its delivery quote (priced once a
    request: the page and the header's count share it)."""
    if "priced_basket" not in g:
        g.priced_basket = price_basket(current_basket(), delivery_rule(), now())
    return g.priced_basket


def remember_basket(change: LineChange) -> None:
    """Make the changed basket this visitor's, and renew the cookie's 30 days when the
    response goes out."""
    if change.loaded is None:  # made by this request: found by its token if asked
        g.pop("basket", None)
    else:
        g.basket = change.loaded
    g.priced_basket = change.priced
    g.basket_cookie = change.token


def set_basket_cookie(response: Response) -> Response:
    """After a basket change, (re)send the cookie; other responses leave it alone."""
    token = g.pop("basket_cookie", None)
    if token is not None:
        response.set_cookie(
            COOKIE,
            _signer().sign(token).decode(),
            max_age=int(LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def forget_basket(response: Response) -> Response:
    """Make this browser forget its basket: drop the cookie, and any change of this request
    that would send it again."""
    g.pop("basket_cookie", None)
    response.delete_cookie(COOKIE, httponly=True, samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
