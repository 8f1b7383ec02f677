"""The basket's rules: quantities, what keeps a line from checkout, the priced summary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from shop.domain.delivery import DeliveryQuote, DeliveryRule, goods_subtotal
from shop.domain.discounts import Discount, Refusal, quote_with_discount

#: The most units of one product a basket line (and so an order line) may hold.
MAX_QUANTITY = 99


class BasketError(Exception):
    """A basket change that cannot be made; `status` is the HTTP status that says why."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidQuantity(BasketError):
    status = 422


class UnknownProduct(BasketError):
    status = 404


class NotInBasket(BasketError):
    status = 404


class NotEnoughStock(BasketError):
    status = 409


def check_quantity(value: object, minimum: int = 1) -> int:
    """Accept a whole number from `minimum` to 99 (never a bool, a fraction or a string).

    JSON does not tell 1 from 1.0, so a float with no fraction counts as that whole number.
    """
    if type(value) is float and value.is_integer() and abs(value) < 1e6:
        value = int(value)
    if type(value) is not int:
        raise InvalidQuantity("Quantity must be a whole number.")
    if not minimum <= value <= MAX_QUANTITY:
        raise InvalidQuantity(f"Quantity must be from {minimum} to {MAX_QUANTITY}.")
    return value


def line_problem(active: bool, stock: int, quantity: int) -> str | None:
    """Why a line of `quantity` units cannot be checked out as it stands, or None."""
    if not active:
        return "No longer available. Please remove it to check out."
    if stock <= 0:
        return "Out of stock. Please remove it to check out."
    if quantity > stock:
        return f"Only {stock} left. Please lower the quantity to check out."
    return None


def over_limit(name: str, stock: int, have: int) -> str:
    """Why more units of a product cannot go in the basket, when it already holds `have`."""
    already = f" You already have {have} in your basket." if have else ""
    if stock < MAX_QUANTITY:
        return f"Sorry, we have only {stock} left of {name}.{already}"
    return f"You can have at most {MAX_QUANTITY} of {name} in one order.{already}"


@dataclass(frozen=True)
class PricedLine:
    """One basket line at the product's current price, with anything that blocks checkout."""

    product_id: int
    slug: str
    name: str
    image: str
    quantity: int
    unit_price_pence: int
    stock_available: int
    active: bool

    @property
    def line_total_pence(self) -> int:
        return self.unit_price_pence * self.quantity

    @property
    def max_quantity(self) -> int:
        """The most this line may hold now."""
        return min(MAX_QUANTITY, self.stock_available) if self.active else 0

    @property
    def problem(self) -> str | None:
        """Why this line keeps the basket from checkout, or None."""
        return line_problem(self.active, self.stock_available, self.quantity)


@dataclass(frozen=True)
class PricedBasket:
    """A basket's lines at current prices, any discount code, and the delivery quote on the
    goods after the discount: what checkout charges."""

    lines: tuple[PricedLine, ...]
    quote: DeliveryQuote
    discount: Discount | None = None
    #: A code the customer applied that does not apply now, and why: shown, never dropped.
    code_refusal: Refusal | None = None

    @classmethod
    def of(
        cls,
        lines: Iterable[PricedLine],
        rule: DeliveryRule,
        offer: Callable[[int], Discount | Refusal] | None = None,
    ) -> PricedBasket:
        """Total the lines, apply `offer` (the code's rule for a goods subtotal), and quote
        delivery on what is left under `rule`."""
        lines = tuple(lines)
        subtotal = goods_subtotal((line.unit_price_pence, line.quantity) for line in lines)
        result = offer(subtotal) if offer is not None else None
        discount = result if isinstance(result, Discount) else None
        refusal = result if isinstance(result, Refusal) else None
        return cls(lines, quote_with_discount(subtotal, discount, rule), discount, refusal)

    @property
    def subtotal_pence(self) -> int:
        """The goods before any discount."""
        return self.quote.subtotal_pence + self.discount_pence

    @property
    def discount_pence(self) -> int:
        """What the code takes off the goods."""
        return self.discount.amount_pence if self.discount else 0

    @property
    def total_pence(self) -> int:
        """Goods − discount + delivery."""
        return self.quote.total_pence

    @property
    def count(self) -> int:
        """How many items, counting each unit."""
        return sum(line.quantity for line in self.lines)

    @property
    def problems(self) -> list[str]:
        return [f"{line.name}: {line.problem}" for line in self.lines if line.problem]

    @property
    def can_checkout(self) -> bool:
        """Only a non-empty basket whose every line can be sold as it stands."""
        return bool(self.lines) and not self.problems
