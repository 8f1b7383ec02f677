"""Small helpers the admin's views share for reading query strings and forms, and answering
them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from shop.admin.audit import Actor
from shop.admin.auth import web_actor
from shop.admin.validation import InUse
from shop.catalogue.queries import BadQuery, parse_positive
from shop.web import now

T = TypeVar("T")


def page_number() -> int:
    """The ?page= of a list, 400 when it is not a page number."""
    try:
        return parse_positive(request.args.get("page"), "page", 1, 100_000)
    except BadQuery as exc:
        abort(400, str(exc))


def whole_number(text: str, field: str, errors: dict[str, str], signed: bool = False) -> int | None:
    """Parse a typed whole number, or note an error for the field and return None."""
    text = text.strip().replace(",", "")
    digits = text[1:] if signed and text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii() or len(digits) > 9:
        errors[field] = "must be a whole number."
        return None
    return int(text)


def ticked(name: str) -> bool:
    """Whether the posted form's checkbox or switch `name` is on (sent as 1)."""
    return request.form.get(name) == "1"


def done(message: str, url: str) -> Response:
    """Say what was done and go on to `url` (303: reloading that page posts nothing again)."""
    flash(message, "success")
    return redirect(url, 303)


def delete_unless_used(
    delete: Callable[[T, Actor, datetime], object],
    thing: T,
    name: str,
    page: Callable[[T], str],
    listed: str,
) -> Response:
    """Delete `thing`, called `name`, and go to the list (the endpoint `listed`); when orders
    refer to it, say why it stays and go back to its `page`."""
    try:
        delete(thing, web_actor(), now())
    except InUse as exc:
        flash(str(exc), "error")
        return redirect(page(thing), 303)
    return done(f"{name} was deleted.", url_for(listed))
