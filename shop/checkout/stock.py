"""Stock an order holds: taken atomically when it is placed, given back if it goes unpaid."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update

from shop.catalogue.queries import forget_product
from shop.extensions import db
from shop.models import Order, Product


class OutOfStock(Exception):
    """Not enough of a product is left to reserve."""

    def __init__(self, product_name: str) -> None:
        super().__init__(f"Sorry, there is not enough {product_name} in stock.")
        self.product_name = product_name


def reserve_stock(lines: Iterable[tuple[Product, int]]) -> None:
    """Take units out of stock atomically, or raise OutOfStock having taken none."""
    taken: list[tuple[int, int]] = []
    # A fixed order of row locks keeps two buyers of the same products from deadlocking.
    for product, quantity in sorted(lines, key=lambda line: line[0].id):
        got = db.session.execute(
            update(Product)
            .where(Product.id == product.id, Product.active.is_(True), Product.stock >= quantity)
            .values(stock=Product.stock - quantity)
            .execution_options(synchronize_session=False)
        ).rowcount
        if got != 1:
            # Not every caller rolls back (a late payment keeps its event): give back the rest.
            for product_id, units in taken:
                _give_back(product_id, units)
            raise OutOfStock(product.name)
        taken.append((product.id, quantity))
        forget_product(product.slug)  # its page shows the new stock once the order commits


def release_stock(order: Order) -> None:
    """Put an order's reserved units back on sale."""
    for line in sorted(order.lines, key=lambda line: line.product_id):
        _give_back(line.product_id, line.quantity)
        forget_product(line.product_slug)


def _give_back(product_id: int, units: int) -> None:
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(stock=Product.stock + units)
        .execution_options(synchronize_session=False)
    )
