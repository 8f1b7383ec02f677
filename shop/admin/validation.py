"""Checks shared by the admin's forms and its JSON API, so both refuse the same things."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Invalid(ValueError):
    """Values that cannot be saved: `errors` maps each field to a sentence for people.

    `conflict` is set when the values are fine but clash with what is stored (a slug in use),
    which the API answers with 409 rather than 422.
    """

    def __init__(self, errors: dict[str, str], conflict: bool = False) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
        self.conflict = conflict


class Checker:
    """Collects field errors while reading a mapping of submitted values."""

    def __init__(self, data: Mapping[str, Any], allowed: set[str]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        for key in data:
            if key not in allowed:
                self.errors[key] = "is not a field that can be set."

    def present(self, field: str) -> bool:
        return field in self.data

    def text(self, field: str, max_length: int, required: bool = False) -> None:
        if field not in self.data:
            if required:
                self.errors[field] = "is required."
            return
        value = self.data[field]
        if not isinstance(value, str):
            self.errors[field] = "must be text."
            return
        value = value.strip()
        if required and not value:
            self.errors[field] = "is required."
        elif len(value) > max_length:
            self.errors[field] = f"must be at most {max_length} characters."
        else:
            self.values[field] = value

    def slug(self, field: str, max_length: int) -> None:
        if field not in self.data:
            return
        value = self.data[field]
        if not isinstance(value, str) or not SLUG.match(value) or len(value) > max_length:
            self.errors[field] = (
                f"must be lower-case letters, digits and single hyphens, at most {max_length} "
                "characters, e.g. live-milk-kefir-grains."
            )
        else:
            self.values[field] = value

    def integer(
        self,
        field: str,
        minimum: int,
        maximum: int,
        required: bool = False,
        describe: Callable[[int], str] = str,
    ) -> None:
        if field not in self.data:
            if required:
                self.errors[field] = "is required."
            return
        value = self.data[field]
        if not isinstance(value, int) or isinstance(value, bool):
            self.errors[field] = "must be a whole number."
        elif not minimum <= value <= maximum:
            self.errors[field] = f"must be between {describe(minimum)} and {describe(maximum)}."
        else:
            self.values[field] = value

    def boolean(self, field: str) -> None:
        if field not in self.data:
            return
        value = self.data[field]
        if not isinstance(value, bool):
            self.errors[field] = "must be true or false."
        else:
            self.values[field] = value

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise Invalid(self.errors)
        return self.values
