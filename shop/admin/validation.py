"""A product's fields as staff set them: one definition for the admin's forms and its JSON API.

`ProductUpdate` checks any subset of the fields, `ProductCreate` also requires name, category
and price; both refuse unknown fields but accept (and ignore) what the API answers and nobody
sets, so a product read from the API can be sent back unchanged.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shop.domain.fields import NAMEABLE, Ignored, Input, slug, text, whole_number
from shop.domain.money import format_gbp

MAX_PRICE_PENCE = 1_000_000  # £10,000: a typo guard, far above anything the shop sells
MAX_STOCK = 1_000_000


class Invalid(ValueError):
    """Values that cannot be saved: `errors` maps each field to a sentence for people.

    `conflict` is set when the values are fine but clash with what is stored (a slug in use),
    which the API answers with 409 rather than 422.
    """

    def __init__(self, errors: dict[str, str], conflict: bool = False) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
        self.conflict = conflict


class InUse(Exception):
    """Something orders refer to (a product, a discount code): it can be deactivated, never
    deleted."""


Name = text(200, pattern=NAMEABLE, blank="is required.")
ProductSlug = slug(120, made_from="name")
Description = text(5000)
CategorySlug = Annotated[text(80, required=True, blank="is required."),
                         Field(description="A category's slug.")]
Price = whole_number(1, MAX_PRICE_PENCE, format_gbp)
Stock = whole_number(0, MAX_STOCK)


class ProductUpdate(Input):
    """Any of a product's fields; what is not sent keeps its value."""

    name: Name = None
    slug: ProductSlug = None
    description: Description = None
    category: CategorySlug = None
    price_pence: Price = None
    stock: Stock = Field(None, description="Units free to sell (absolute).")
    active: bool = Field(None, description="false hides the product from the shop.")
    featured: bool = None
    perishable: bool = Field(
        None, description="Chilled or live goods: no 14-day right to cancel (CCR reg. 28)."
    )
    currency: Ignored
    category_name: Ignored
    in_stock: Ignored
    stock_available: Ignored
    image_url: Ignored
    url: Ignored


class ProductCreate(ProductUpdate):
    """A new product: name, category and price are required; the slug comes from the name."""

    name: Name
    category: CategorySlug
    price_pence: Price


class ProductPatch(ProductUpdate):
    """The admin API's product changes: a stock change must say what it expects, or be relative,
    so that it never overwrites units that orders reserved meanwhile."""

    expected_stock: Stock = Field(
        None, description="With `stock`: the stock you read. If it has moved since (an order "
        "reserved units), the answer is 409 and nothing changes.",
    )
    stock_adjustment: whole_number(-MAX_STOCK, MAX_STOCK) = Field(
        None, description="Units to add (negative: take away), atomically; instead of `stock`.",
    )
