"""Finding typed text in text columns, the same way in the storefront and the admin."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape "\\") finding `text` anywhere, lower-cased, wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(text: str, *columns: ColumnElement[str]) -> ColumnElement[bool]:
    """True where any of `columns` holds `text`, whatever the case; `%` and `_` match only
    themselves."""
    pattern = like_pattern(text)
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
