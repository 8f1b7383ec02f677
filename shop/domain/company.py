"""Who runs the shop: the details UK law asks a trader to show, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from shop.domain.customer import POSTCODE, normalise_postcode


@dataclass(frozen=True)
class Address:
    """A UK geographic address: street lines, a town and a postcode."""

    lines: tuple[str, ...]
    town: str
    postcode: str

    @classmethod
    def parse(cls, text: str) -> Address:
        """Read "line, line, town, postcode" (commas between parts, the postcode last).

        Raises ValueError when a part is missing or the postcode is not a UK one: the
        E-Commerce Regulations want a geographic address, so a typo must stop the start-up.
        """
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if len(parts) < 3:
            raise ValueError(f"SHOP_ADDRESS needs street, town and postcode, got {text!r}")
        postcode = normalise_postcode(parts[-1])
        if not POSTCODE.match(postcode):
            raise ValueError(f"SHOP_ADDRESS must end with a UK postcode, got {parts[-1]!r}")
        return cls(tuple(parts[:-2]), parts[-2], postcode)

    @property
    def street(self) -> str:
        """The street lines on one line."""
        return ", ".join(self.lines)

    def __str__(self) -> str:
        return ", ".join((*self.lines, self.town, self.postcode))


@dataclass(frozen=True)
class Company:
    """The trading name, the company behind it and how to reach it."""

    name: str
    legal_name: str
    number: str
    registered_in: str
    address: Address
    email: str
    phone: str
    vat_number: str = ""

    @property
    def phone_uri(self) -> str:
        """The phone number as a tel: link (UK numbers in international form)."""
        digits = "".join(c for c in self.phone if c.isdigit() or c == "+")
        if digits.startswith("0"):
            digits = "+44" + digits[1:]
        return f"tel:{digits}"
