"""The customer's details at checkout: what counts as a valid UK delivery address."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

# The shapes of UK postcodes (Royal Mail), and GIR 0AA.
POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
MARKUP = re.compile(r"[<>\x00-\x1f\x7f]")

LIMITS = {"name": 100, "line1": 100, "line2": 100, "city": 60}


@dataclass(frozen=True)
class Customer:
    email: str
    name: str
    phone: str
    line1: str
    line2: str
    city: str
    postcode: str


def normalise_postcode(text: str) -> str:
    """Upper-case a postcode and put one space before its last three characters."""
    compact = re.sub(r"\s+", "", text).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _text(data: Mapping, key: str, errors: dict, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = "Must be text."
        return ""
    value = value.strip()
    if required and not value:
        errors[key] = "This field is required."
    elif len(value) > LIMITS.get(key, 254):
        errors[key] = f"Must be at most {LIMITS.get(key, 254)} characters."
    elif MARKUP.search(value):
        errors[key] = "Please use letters, numbers and ordinary punctuation only."
    return value


def validate_customer(data: Mapping) -> tuple[Customer | None, dict[str, str]]:
    """Check a checkout submission; return the customer, or None and a message per field."""
    errors: dict[str, str] = {}
    address = data.get("address", data)
    if not isinstance(address, Mapping):
        return None, {"address": "Must be an object with line1, city and postcode."}
    email = _text(data, "email", errors)
    if "email" not in errors:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Please enter a valid email address, like you@example.com."
    name = _text(data, "name", errors)
    phone = _text(data, "phone", errors, required=False)
    if phone and "phone" not in errors and not PHONE.match(phone):
        errors["phone"] = "Please enter a UK phone number, or leave it empty."
    line1 = _text(address, "line1", errors)
    line2 = _text(address, "line2", errors, required=False)
    city = _text(address, "city", errors)
    postcode = normalise_postcode(_text(address, "postcode", errors))
    if "postcode" not in errors and not POSTCODE.match(postcode):
        errors["postcode"] = "Please enter a UK postcode, like SW1A 1AA."
    if errors:
        return None, errors
    return Customer(email, name, phone, line1, line2, city, postcode), {}
