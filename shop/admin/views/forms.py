"""Small helpers the admin's views share for reading query strings and forms."""

from __future__ import annotations

from flask import abort, request

from shop.catalogue.queries import BadQuery, parse_positive


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
