"""The value types every input is made of (API bodies, query strings, admin and checkout forms).

Each type states its rule once, for the validation (pydantic) and for the JSON Schema that the
OpenAPI document publishes, so the two never disagree: what the schema calls valid is accepted,
what it calls invalid is refused. Errors read as a field's predicate ("must be a whole number."),
so a page can print them beside the field and the API can say "quantity must be …".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Text the database can store: PostgreSQL refuses the NUL character.
STORABLE = r"^[^\u0000]*$"
#: Text a slug can be made from: it holds a letter or digit (Latin, so it survives in a URL).
NAMEABLE = r"^[^\u0000]*[A-Za-z0-9][^\u0000]*$"
#: RFC 3339's date-time (what OpenAPI's `format: date-time` means); the offset is checked apart
#: so that a missing one can be named as the problem.
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    # An optional field defaults to "not sent", never to null: the document must not offer null.
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class Input(BaseModel):
    """A request body or a form: JSON's own types (no "2" for 2), unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=_drop_null_defaults)


class Query(BaseModel):
    """A query string: every value arrives as text; unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_drop_null_defaults)


def _refuse(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def text(
    max_length: int,
    *,
    required: bool = False,
    strip: bool = True,
    pattern: str = STORABLE,
    refusal: str = "must contain a letter or digit (the slug must be made from them).",
    blank: str = "must not be empty.",
):
    """A string of at most `max_length` characters, trimmed; `required` ones hold a non-space.

    `pattern` narrows what is accepted (NAMEABLE: a slug can be made from it); `refusal` says
    what a value that does not match it lacks, and `blank` what an empty one does.
    """
    if required and pattern == STORABLE:
        # Not a space to Python (str.strip) nor to JSON Schema's ECMA regex (\s differs in both).
        pattern = r"^[^\u0000]*[^\u0000\s\u001c-\u001f\u0085\ufeff][^\u0000]*$"
    checked = re.compile(pattern)

    def check(value: str) -> str:
        if not checked.search(value):
            if not value.strip():
                raise _refuse("blank", blank)
            if "\x00" in value:
                raise _refuse("unstorable", "must not contain NUL characters.")
            raise _refuse("no_letters", refusal)
        return value.strip() if strip else value

    return Annotated[str, Field(max_length=max_length, json_schema_extra={"pattern": pattern}),
                     AfterValidator(check)]


def slug(max_length: int, made_from: str):
    """Lower-case letters and digits in words joined by single hyphens; when none is sent, one
    is made from the `made_from` field."""

    def check(value: str) -> str:
        if not SLUG.match(value):
            raise _refuse("slug", "must be lower-case letters, digits and single hyphens, e.g. "
                                  "live-milk-kefir-grains.")
        return value

    return Annotated[str, Field(max_length=max_length, description=f"Default: made from the "
                                f"{made_from}.", json_schema_extra={"pattern": SLUG.pattern}),
                     AfterValidator(check)]


def whole_number(minimum: int, maximum: int, describe: Callable[[int], str] = str):
    """An integer from `minimum` to `maximum`; JSON's 2.0 is 2, but never true, "2" or 2.5."""

    def check(value: object) -> int:
        if type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int:
            raise _refuse("whole_number", "must be a whole number.")
        if not minimum <= value <= maximum:
            raise _refuse("range",
                          f"must be between {describe(minimum)} and {describe(maximum)}.")
        return value

    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(check)]


def parse_instant(value: object) -> datetime:
    """An RFC 3339 date and time with its UTC offset, from 1970 to 2999 as written."""
    if isinstance(value, datetime):
        return value
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _refuse("malformed", "must be an ISO 8601 date and time, e.g. "
                                   "2026-11-25T10:00:00+00:00.")
    year, month, day, clock, fraction, offset = match.groups()
    if offset is None:
        raise _refuse("naive", "must include a UTC offset, e.g. 2026-11-25T10:00:00+00:00.")
    offset = "+00:00" if offset in "Zz" else offset
    try:
        instant = datetime.fromisoformat(
            f"{year}-{month}-{day}T{clock}{(fraction or '')[:7]}{offset}"
        )
    except ValueError:
        raise _refuse("malformed", "is not a real date and time.") from None
    # Beyond these years the time zone rules are guesswork (London kept its own mean time
    # until 1847) and dates near year 9999 overflow.
    if not 1970 <= instant.year <= 2999:
        raise _refuse("out_of_range", "must be between 1970 and 2999.")
    return instant


#: An instant as it is read: RFC 3339 with its offset.
Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema({"type": "string", "format": "date-time",
                    "pattern": r"^(19[7-9][0-9]|2[0-9]{3})-"}),
]
#: An instant as it is answered: RFC 3339 with the offset as Python writes it (+00:00, never Z).
Timestamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
#: A field the API shows but nobody sets: a client may send it back, and it is ignored.
Ignored = Annotated[Any, Field(default=None, exclude=True, json_schema_extra={"readOnly": True})]

#: What each kind of refusal says, for pydantic's own checks (custom ones carry their words).
_MESSAGES = {
    "missing": "is required.",
    "string_type": "must be a string.",
    "bool_type": "must be true or false.",
    "bool_parsing": "must be true or false.",
    "int_type": "must be a whole number.",
    "int_parsing": "must be a whole number.",
    "int_from_float": "must be a whole number.",
    "list_type": "must be a list of strings.",
    "dict_type": "must be an object.",
    "model_type": "must be an object.",
    "model_attributes_type": "must be an object.",
    "extra_forbidden": "is not a field that can be set.",
    "string_too_long": "must be at most {max_length} characters.",
    "string_too_short": "must not be empty.",
    "too_long": "may hold at most {max_length} entries.",
    "greater_than_equal": "must be at least {ge}.",
    "less_than_equal": "must be at most {le}.",
    "literal_error": "must be one of {expected}.",
    "enum": "must be one of {expected}.",
}
#: Refusals that mean "unreadable" rather than "a value out of bounds": in a query string, these
#: are 400 (malformed) where the rest are 422 (invalid values).
MALFORMED = {"int_parsing", "int_type", "bool_parsing", "literal_error", "enum", "malformed",
             "whole_number", "string_type", "list_type"}


def field_name(location: tuple[int | str, ...]) -> str:
    """A field's dotted name from pydantic's location, without list positions: address.postcode."""
    return ".".join(str(part) for part in location if isinstance(part, str)) or "body"


def field_errors(
    error: ValidationError, wording: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each refused field with what is wrong with it (the first problem only).

    `wording` replaces the words for some kinds of refusal, e.g. a form's own sentences.
    """
    messages = {**_MESSAGES, **(wording or {})}
    errors: dict[str, str] = {}
    for item in error.errors(include_url=False):
        name = field_name(item["loc"])
        template = messages.get(item["type"])
        message = template.format(**item.get("ctx", {})) if template else item["msg"]
        errors.setdefault(name, message)
    return errors


def describe(errors: dict[str, str]) -> str:
    """One sentence for the lot: unknown fields first, then each field and what is wrong."""
    unknown = [name for name, message in errors.items() if message == _MESSAGES["extra_forbidden"]]
    sentences = [f"Unknown field(s): {', '.join(unknown)}."] if unknown else []
    sentences += [f"{name}: {message}" if message[:1].isupper() else f"{name} {message}"
                  for name, message in errors.items() if name not in unknown]
    return " ".join(sentences)


def is_malformed(error: ValidationError) -> bool:
    """Whether every refusal is of something unreadable (text where a number belongs …)."""
    return all(item["type"] in MALFORMED for item in error.errors(include_url=False))
