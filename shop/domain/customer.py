"""The customer's details at checkout: what counts as a valid UK delivery address.

`CheckoutDetails` is the one definition: the API's POST /checkout body and the checkout form
are both checked by it, and the form prints its messages beside each field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from shop.domain.fields import Input, field_errors

# The shapes of UK postcodes (Royal Mail), and GIR 0AA.
POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
#: Markup and control characters: nothing a name or an address needs.
_PLAIN = r"[^<>\u0000-\u001f\u007f]"
#: What a form shows for pydantic's own refusals, in the customer's words.
FRIENDLY = {
    "missing": "This field is required.",
    "string_type": "Must be text.",
    "string_too_long": "Must be at most {max_length} characters.",
    "model_type": "Must be an object with line1, city and postcode.",
    "model_attributes_type": "Must be an object with line1, city and postcode.",
}


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


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("customer", message)


def _plain(max_length: int, *, required: bool):
    """Trimmed text without markup; `required` ones hold something besides spaces."""
    pattern = f"^{_PLAIN}*{_PLAIN[:-1]}\\s]{_PLAIN}*$" if required else f"^{_PLAIN}*$"

    def check(value: str) -> str:
        value = value.strip()
        if required and not value:
            raise _refuse("This field is required.")
        if re.search(r"[<>\x00-\x1f\x7f]", value):
            raise _refuse("Please use letters, numbers and ordinary punctuation only.")
        return value

    return Annotated[str, Field(max_length=max_length, json_schema_extra={"pattern": pattern}),
                     AfterValidator(check)]


def _email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise _refuse("Please enter a valid email address, like you@example.com.") from None


def _phone(value: str) -> str:
    value = value.strip()
    if value and not PHONE.match(value):
        raise _refuse("Please enter a UK phone number, or leave it empty.")
    return value


def _postcode(value: str) -> str:
    postcode = normalise_postcode(value)
    if not POSTCODE.match(postcode):
        raise _refuse("Please enter a UK postcode, like SW1A 1AA.")
    return postcode


Line = _plain(100, required=True)
OptionalLine = _plain(100, required=False)
City = _plain(60, required=True)
Postcode = Annotated[str, Field(max_length=16, description="A UK postcode, e.g. SW1A 1AA."),
                     AfterValidator(_postcode)]
Email = Annotated[str, Field(max_length=254, json_schema_extra={"format": "email"}),
                  AfterValidator(_email)]
Name = _plain(100, required=True)
Phone = Annotated[str, Field(max_length=20), AfterValidator(_phone)]


class Address(Input):
    line1: Line
    line2: OptionalLine | None = ""
    city: City
    postcode: Postcode


class CheckoutDetails(Input):
    """Who the order is for and where it goes (UK addresses only).

    Other members are ignored: a client may send its own idea of the total, and the server
    still charges what it computes.
    """

    model_config = ConfigDict(extra="ignore")

    email: Email
    name: Name
    phone: Phone | None = ""
    address: Address

    def customer(self) -> Customer:
        """The details as the order stores them."""
        address = self.address
        return Customer(self.email, self.name, self.phone or "", address.line1,
                        address.line2 or "", address.city, address.postcode)


def validate_customer(data: Mapping) -> tuple[Customer | None, dict[str, str]]:
    """Check a checkout submission; return the customer, or None and a message per field.

    Fields are named as the form names them (`postcode`, not `address.postcode`).
    """
    try:
        return CheckoutDetails.model_validate(data).customer(), {}
    except ValidationError as exc:
        errors = field_errors(exc, FRIENDLY)
        return None, {name.rsplit(".", 1)[-1]: message for name, message in errors.items()}
