"""The guest basket in the database: find it, change its lines, price it at current prices."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Insert, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from shop.domain.delivery import DeliveryQuote, DeliveryRule, goods_subtotal, quote_delivery
from shop.extensions import db
from shop.models import Basket, BasketLine, Product

MAX_QUANTITY = 99
MAX_SLUG_SHOWN = 120
#: A basket nobody has changed for this long is forgotten (the cookie lasts as long).
LIFETIME = timedelta(days=30)
_ACTIVE_BY_SLUG = select(Product).where(Product.slug == bindparam("slug"),
                                        Product.active.is_(True))


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
    problem: str | None

    @property
    def line_total_pence(self) -> int:
        return self.unit_price_pence * self.quantity

    @property
    def max_quantity(self) -> int:
        """The most this line may hold now."""
        return min(MAX_QUANTITY, self.stock_available) if self.active else 0


@dataclass(frozen=True)
class PricedBasket:
    """A basket's lines at current prices with the delivery quote: what checkout charges."""

    lines: tuple[PricedLine, ...]
    quote: DeliveryQuote

    @property
    def subtotal_pence(self) -> int:
        return self.quote.subtotal_pence

    @property
    def total_pence(self) -> int:
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


@dataclass(frozen=True)
class LineChange:
    """What a basket change left behind: the line, for the confirmation message, and the
    whole basket as it now stands, priced before the change committed (committing expires
    what the session loaded, and reading it all again would cost another round of queries)."""

    basket: Basket
    token: str
    slug: str
    name: str
    quantity: int
    priced: PricedBasket


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


@contextmanager
def _transaction() -> Iterator[None]:
    """Commit what the block did, or roll all of it back: a refused change stores nothing."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def find_basket(token: str | None, now: datetime) -> Basket | None:
    """The basket with this token, unless it has lain untouched for longer than LIFETIME."""
    if not token:
        return None
    return db.session.scalar(
        select(Basket).where(Basket.token == token, Basket.updated_at > now - LIFETIME)
    )


def purge_stale_baskets(now: datetime) -> int:
    """Delete the baskets nobody has changed for LIFETIME, with their lines; return how many.

    find_basket already ignores them (their cookies have expired too), so this only gives the
    space back. An order placed from such a basket keeps everything it needs in its own lines.
    """
    deleted = db.session.execute(delete(Basket).where(Basket.updated_at <= now - LIFETIME))
    db.session.commit()
    return deleted.rowcount


def basket_count(basket: Basket | None) -> int:
    """How many units the basket holds, for the header."""
    if basket is None:
        return 0
    return db.session.scalar(
        select(func.coalesce(func.sum(BasketLine.quantity), 0)).where(
            BasketLine.basket_id == basket.id
        )
    )


def add_item(
    basket: Basket | None, slug: str, quantity: int, now: datetime, rule: DeliveryRule
) -> LineChange:
    """Add units of a product to the basket (created on the first add); over stock or 99 fails."""
    check_quantity(quantity)
    product = db.session.scalar(_ACTIVE_BY_SLUG, {"slug": slug})
    if product is None:
        raise _unknown(slug)
    limit = min(MAX_QUANTITY, product.stock)
    if product.stock <= 0:
        raise NotEnoughStock(f"Sorry, {product.name} is out of stock.")
    if quantity > limit:
        raise NotEnoughStock(_over_limit(product, have=0))
    with _transaction():
        new_basket = basket is None
        if new_basket:
            basket = db.session.scalar(
                insert(Basket).returning(Basket),
                {"token": secrets.token_urlsafe(32), "created_at": now, "updated_at": now},
            )
        else:
            basket.updated_at = now
        new_quantity = _upsert_line(basket.id, product.id, quantity, limit)
        if new_quantity is None:
            have = _line_quantity(basket.id, product.id)
            raise NotEnoughStock(_over_limit(product, have))
        # A basket this add made holds just this line: nothing to read back.
        priced = (price_lines([(product, new_quantity)], rule) if new_basket
                  else price_basket(basket, rule))
        change = LineChange(basket, basket.token, product.slug, product.name, new_quantity, priced)
    return change


def _upsert_line(basket_id: int, product_id: int, quantity: int, limit: int) -> int | None:
    """Insert the line or add to it in one statement, within `limit`; None when over it.

    Two requests adding the same product at once would otherwise both try to INSERT and one
    would hit the unique (basket_id, product_id) constraint; ON CONFLICT makes the second add
    to the first's line instead, atomically, on PostgreSQL and SQLite alike.
    """
    statement = _upsert_statement(db.session.get_bind().dialect.name)
    values = {"basket_id": basket_id, "product_id": product_id, "quantity": quantity,
              "limit": limit}
    return db.session.execute(statement, values).scalar()


@cache
def _upsert_statement(dialect: str) -> Insert:
    """The upsert for `dialect`, built once: each add only binds its values."""
    table = BasketLine.__table__
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_into(table).values(
        basket_id=bindparam("basket_id"),
        product_id=bindparam("product_id"),
        quantity=bindparam("quantity"),
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.basket_id, table.c.product_id],
        set_={"quantity": table.c.quantity + statement.excluded.quantity},
        where=table.c.quantity + statement.excluded.quantity <= bindparam("limit"),
    ).returning(table.c.quantity)


def _unknown(slug: str) -> UnknownProduct:
    return UnknownProduct(f"We have no product called {slug[:MAX_SLUG_SHOWN]!r}.")


def _line_quantity(basket_id: int, product_id: int) -> int:
    return db.session.scalar(
        select(BasketLine.quantity).where(
            BasketLine.basket_id == basket_id, BasketLine.product_id == product_id
        )
    ) or 0


def _over_limit(product: Product, have: int) -> str:
    already = f" You already have {have} in your basket." if have else ""
    if product.stock < MAX_QUANTITY:
        return f"Sorry, we have only {product.stock} left of {product.name}.{already}"
    return f"You can have at most {MAX_QUANTITY} of {product.name} in one order.{already}"


def _basket_line(basket: Basket | None, slug: str) -> BasketLine:
    line = None
    if basket is not None:
        line = db.session.scalar(
            select(BasketLine)
            .join(BasketLine.product)
            .options(joinedload(BasketLine.product))
            .where(BasketLine.basket_id == basket.id, Product.slug == slug)
        )
    if line is None:
        if db.session.scalar(select(Product.id).where(Product.slug == slug)) is None:
            raise _unknown(slug)
        raise NotInBasket(f"{slug!r} is not in your basket.")
    return line


def set_quantity(
    basket: Basket | None, slug: str, quantity: int, now: datetime, rule: DeliveryRule
) -> LineChange:
    """Set a line's quantity (0 removes it), within the stock available and 99."""
    check_quantity(quantity, minimum=0)
    line = _basket_line(basket, slug)
    product = line.product
    if quantity == 0:
        return _remove(basket, line, now, rule)
    if not product.active or product.stock <= 0:
        raise NotEnoughStock(f"Sorry, {product.name} is no longer available. Please remove it.")
    if quantity > product.stock:
        raise NotEnoughStock(_over_limit(product, have=0))
    with _transaction():
        db.session.execute(
            update(BasketLine).where(BasketLine.id == line.id).values(quantity=quantity)
        )
        basket.updated_at = now
        change = LineChange(basket, basket.token, product.slug, product.name, quantity,
                            price_basket(basket, rule))
    return change


def remove_item(basket: Basket | None, slug: str, now: datetime, rule: DeliveryRule) -> LineChange:
    """Take a product out of the basket."""
    return _remove(basket, _basket_line(basket, slug), now, rule)


def _remove(basket: Basket, line: BasketLine, now: datetime, rule: DeliveryRule) -> LineChange:
    with _transaction():
        db.session.execute(delete(BasketLine).where(BasketLine.id == line.id))
        basket.updated_at = now
        change = LineChange(basket, basket.token, line.product.slug, line.product.name, 0,
                            price_basket(basket, rule))
    return change


def line_problem(product: Product, quantity: int) -> str | None:
    """Why a line cannot be checked out as it stands, or None."""
    if not product.active:
        return "No longer available. Please remove it to check out."
    if product.stock <= 0:
        return "Out of stock. Please remove it to check out."
    if quantity > product.stock:
        return f"Only {product.stock} left. Please lower the quantity to check out."
    return None


def price_basket(basket: Basket | None, rule: DeliveryRule) -> PricedBasket:
    """Price a basket line by line at current prices and quote its delivery."""
    if basket is None:
        return price_lines([], rule)
    rows = db.session.execute(
        select(Product, BasketLine.quantity)
        .join(BasketLine.product)
        .where(BasketLine.basket_id == basket.id)
        .order_by(BasketLine.id)
    )
    return price_lines(rows, rule)


def price_lines(lines: Iterable[tuple[Product, int]], rule: DeliveryRule) -> PricedBasket:
    """Price (product, quantity) pairs at the products' current prices and quote delivery."""
    priced = tuple(
        PricedLine(
            product_id=product.id,
            slug=product.slug,
            name=product.name,
            image=product.image,
            quantity=quantity,
            unit_price_pence=product.price_pence,
            stock_available=product.stock,
            active=product.active,
            problem=line_problem(product, quantity),
        )
        for product, quantity in lines
    )
    subtotal = goods_subtotal((line.unit_price_pence, line.quantity) for line in priced)
    return PricedBasket(priced, quote_delivery(subtotal, rule))
