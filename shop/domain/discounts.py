"""Discount codes: whether a code applies to a basket now, what it takes off, and the totals.

Plain values in and out. A percent or amount code comes off the goods; the free-delivery rule
then looks at the goods after the discount (SPEC §1), so 10 % off £27.78 leaves £25.00 of goods
and delivery is charged. A free-delivery code takes nothing off the goods and waives the fee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shop.domain import LONDON
from shop.domain.delivery import DeliveryQuote, DeliveryRule, quote_delivery
from shop.domain.money import format_gbp

#: What staff may name a code: letters, digits, '-' and '_', 3 to 32 of them.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,30}[A-Za-z0-9]$", re.ASCII)
MAX_CODE_LENGTH = 32


class Kind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"
    FREE_DELIVERY = "free_delivery"


class Reason(StrEnum):
    """Why a code does not apply: each is named in the refusal (SPEC §2's 422)."""

    EMPTY = "empty"
    EMPTY_BASKET = "empty_basket"
    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    USED_UP = "used_up"
    ALREADY_USED = "already_used"
    MINIMUM_SPEND = "minimum_spend"


def normalise_code(text: str) -> str:
    """Codes are case-insensitive and typed with stray spaces: ' welcome10 ' is WELCOME10."""
    return text.strip().upper()


@dataclass(frozen=True)
class Terms:
    """A code as staff set it up, with the uses reserved so far."""

    code: str
    kind: Kind
    value: int = 0
    min_subtotal_pence: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None  # exclusive: the code works until just before this instant
    max_uses: int | None = None
    uses: int = 0
    once_per_customer: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        if self.kind is Kind.PERCENT and not 1 <= self.value <= 100:
            raise ValueError(f"a percent code takes 1 to 100 % off, got {self.value}")
        if self.kind is Kind.AMOUNT and self.value < 1:
            raise ValueError(f"an amount code takes at least 1p off, got {self.value}")
        for name in ("starts_at", "ends_at"):
            instant = getattr(self, name)
            if instant is not None and instant.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")

    def describe(self) -> str:
        """What the code gives, as the basket says it: '10% off', '£5.00 off', 'Free delivery'."""
        if self.kind is Kind.PERCENT:
            return f"{self.value}% off"
        if self.kind is Kind.AMOUNT:
            return f"{format_gbp(self.value)} off"
        return "Free delivery"


@dataclass(frozen=True)
class Discount:
    """A code that applies: `amount_pence` comes off the goods; `free_delivery` waives the fee."""

    code: str
    kind: Kind
    amount_pence: int
    label: str

    @property
    def free_delivery(self) -> bool:
        return self.kind is Kind.FREE_DELIVERY


@dataclass(frozen=True)
class Refusal:
    """A code that does not apply, and a sentence for the customer saying why."""

    code: str
    reason: Reason
    message: str


def percent_of(pence: int, percent: int) -> int:
    """`percent` % of `pence`, to the nearest penny, halves up (10 % of 2775 is 278)."""
    return (pence * percent + 50) // 100


def _when(instant: datetime) -> str:
    local = instant.astimezone(LONDON)
    hour = local.strftime("%I:%M %p").lstrip("0").lower().replace(":00 ", "").replace(" ", "")
    return f"{hour} on {local.day} {local.strftime('%B %Y')}"


def evaluate(
    terms: Terms | None, subtotal_pence: int, customer_uses: int, now: datetime
) -> Discount | Refusal:
    """Whether `terms` apply to goods of `subtotal_pence` at `now` for a customer who has used
    the code `customer_uses` times before; the discount, or the reason it does not apply."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if subtotal_pence < 0:
        raise ValueError("subtotal_pence must not be negative")
    if terms is None:
        return Refusal("", Reason.UNKNOWN, "We don't recognise that code.")
    code = terms.code

    def no(reason: Reason, message: str) -> Refusal:
        return Refusal(code, reason, message)

    if not terms.active:
        return no(Reason.INACTIVE, f"{code} is no longer available.")
    if terms.starts_at is not None and now < terms.starts_at:
        return no(Reason.NOT_STARTED, f"{code} starts at {_when(terms.starts_at)}.")
    if terms.ends_at is not None and now >= terms.ends_at:
        return no(Reason.ENDED, f"{code} ended at {_when(terms.ends_at)}.")
    if terms.max_uses is not None and terms.uses >= terms.max_uses:
        return no(Reason.USED_UP, f"{code} has been used up.")
    if terms.once_per_customer and customer_uses > 0:
        return no(Reason.ALREADY_USED, f"{code} can be used once per customer, and you have "
                                       "used it already.")
    if subtotal_pence < terms.min_subtotal_pence:
        short = terms.min_subtotal_pence - subtotal_pence
        return no(Reason.MINIMUM_SPEND,
                  f"{code} needs {format_gbp(terms.min_subtotal_pence)} of goods: add "
                  f"{format_gbp(short)} more to use it.")
    if terms.kind is Kind.PERCENT:
        amount = percent_of(subtotal_pence, terms.value)
    elif terms.kind is Kind.AMOUNT:
        amount = terms.value
    else:
        amount = 0
    return Discount(code, terms.kind, min(amount, subtotal_pence), terms.describe())


def quote_with_discount(
    subtotal_pence: int, discount: Discount | None, rule: DeliveryRule
) -> DeliveryQuote:
    """Delivery on the goods after the discount: the quote's subtotal is what the threshold
    compares, and its total is goods − discount + delivery."""
    off = discount.amount_pence if discount else 0
    quote = quote_delivery(subtotal_pence - off, rule)
    if discount is not None and discount.free_delivery and not quote.free:
        return replace(quote, price_pence=0, free=True, amount_to_free_pence=0)
    return quote
