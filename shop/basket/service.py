"""The guest basket in the database: find it, change its lines, price it at current prices."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property

from flask import current_app
from sqlalchemy import (
    Insert,
    Integer,
    Row,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from shop.discounts.service import Offer, offer_for
from shop.domain.basket import (
    MAX_QUANTITY,
    NotEnoughStock,
    NotInBasket,
    PricedBasket,
    PricedLine,
    UnknownProduct,
    check_quantity,
    over_limit,
)
from shop.domain.delivery import DeliveryRule
from shop.driver import DriverStatement
from shop.extensions import db
from shop.models import Basket, BasketLine, Product
from shop.transaction import a_transaction_of_its_own, each_statement_commits, transaction

MAX_SLUG_SHOWN = 120
#: A basket nobody has changed for this long is forgotten (the cookie lasts as long).
LIFETIME = timedelta(days=30)
_INSERT_BASKET = insert(Basket.__table__).returning(Basket.__table__.c.id)
#: What adding a product needs of it, as a plain Core row: loading a Product entity, or
#: even running an ORM select of its columns, costs more than the rest of the lookup.
_PRODUCTS = Product.__table__.c
_ACTIVE_BY_SLUG = select(
    _PRODUCTS.id, _PRODUCTS.slug, _PRODUCTS.name, _PRODUCTS.image, _PRODUCTS.price_pence,
    _PRODUCTS.stock, _PRODUCTS.active,
).where(_PRODUCTS.slug == bindparam("slug"), _PRODUCTS.active.is_(True))


def _first_add_statement() -> Select:
    """PostgreSQL: a first add in one statement. It reads the product, inserts a basket when
    the quantity is within what one basket may hold of it, inserts that basket's line, and
    answers the product's row with the new basket's id (NULL when nothing was inserted).

    It commits asynchronously (synchronous_commit off for its own transaction only, as SET
    LOCAL would): it does not wait for the disk, a fifth of a first add's time under load.
    A crash of the database server (not of the app) may then lose the new baskets of its
    last moments (PostgreSQL: at most three times wal_writer_delay, 0.6 s by default);
    their cookies find nothing and those visitors start a basket again. Nothing else is
    ever lost: orders, payments and every other write commit synchronously.
    """
    baskets = Basket.__table__.c
    # set_config(..., true) is SET LOCAL: it ends with this statement's own transaction.
    product = _ACTIVE_BY_SLUG.add_columns(
        func.set_config("synchronous_commit", "off", true()).label("commit_setting"),
    ).cte("product")
    quantity = bindparam("quantity", type_=Integer)
    new_basket = insert(Basket.__table__).from_select(
        ["token", "created_at", "updated_at"],
        select(bindparam("token", type_=baskets.token.type),
               bindparam("created_at", type_=baskets.created_at.type),
               bindparam("updated_at", type_=baskets.updated_at.type))
        .where(quantity <= func.least(MAX_QUANTITY, product.c.stock)),
    ).returning(baskets.id).cte("new_basket")
    new_line = insert(BasketLine.__table__).from_select(
        ["basket_id", "product_id", "quantity"],
        select(new_basket.c.id, product.c.id, quantity)
        .select_from(new_basket.join(product, true())),
    ).cte("new_line")
    return (select(product, new_basket.c.id.label("basket_id"))
            .select_from(product.outerjoin(new_basket, true()))
            .add_cte(new_line))


_FIRST_ADD = _first_add_statement()
#: The first add's statements on the driver's cursor (shop.driver): through the Session,
#: their execution cost more CPU than all the rest of a first add's own work.
_FIRST_ADD_ON_DRIVER = DriverStatement(_FIRST_ADD)
_PRODUCT_ON_DRIVER = DriverStatement(_ACTIVE_BY_SLUG)
_INSERT_BASKET_ON_DRIVER = DriverStatement(_INSERT_BASKET, ["token", "created_at", "updated_at"])
_INSERT_LINE_ON_DRIVER = DriverStatement(insert(BasketLine.__table__),
                                         ["basket_id", "product_id", "quantity"])


@dataclass(frozen=True)
class LineChange:
    """What a basket change left behind: the line, for the confirmation message, and the
    whole basket as it now stands, priced before the change committed (committing expires
    what the session loaded, and reading it all again would cost another round of queries)."""

    #: The basket as the change found it; None when the change made it (a first add makes no
    #: entity, as nothing in its request reads one: `basket` loads it if something does).
    loaded: Basket | None
    token: str
    slug: str
    name: str
    quantity: int
    priced: PricedBasket

    @cached_property
    def basket(self) -> Basket:
        """The changed basket (loaded by its token when the change made it)."""
        if self.loaded is not None:
            return self.loaded
        return db.session.scalar(select(Basket).where(Basket.token == self.token))


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
    with transaction():
        deleted = db.session.execute(delete(Basket).where(Basket.updated_at <= now - LIFETIME))
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
    if basket is None:
        # A basket this add makes holds just this line: nothing to read back. On PostgreSQL
        # it is one statement, so no BEGIN and COMMIT: one round trip in all.
        product, token = _new_basket(slug, quantity, now)
        return LineChange(None, token, product.slug, product.name, quantity,
                          price_lines([(product, quantity)], rule))
    product, limit = _product_to_add(slug, quantity)
    with transaction():
        basket.updated_at = now
        new_quantity = _upsert_line(basket.id, product.id, quantity, limit)
        if new_quantity is None:
            have = _line_quantity(basket.id, product.id)
            raise NotEnoughStock(over_limit(product.name, product.stock, have))
        change = LineChange(basket, basket.token, product.slug, product.name, new_quantity,
                            price_basket(basket, rule, now))
    return change


def _product_to_add(slug: str, quantity: int) -> tuple[Row, int]:
    """The active product with this slug and how many one basket may hold of it (a Core row);
    UnknownProduct, or NotEnoughStock when it is out of stock or `quantity` is over that."""
    product = db.session.execute(_ACTIVE_BY_SLUG, {"slug": slug}).first()
    return product, _addable(product, slug, quantity)


def _addable(product: Row | None, slug: str, quantity: int) -> int:
    """How many one basket may hold of `product`, read by its `slug`; UnknownProduct when
    there is none, NotEnoughStock when it is out of stock or `quantity` is over that."""
    if product is None:
        raise _unknown(slug)
    limit = min(MAX_QUANTITY, product.stock)
    if product.stock <= 0:
        raise NotEnoughStock(f"Sorry, {product.name} is out of stock.")
    if quantity > limit:
        raise NotEnoughStock(over_limit(product.name, product.stock, have=0))
    return limit


def _new_basket(slug: str, quantity: int, now: datetime) -> tuple[Row, str]:
    """A new basket with a fresh token holding `quantity` of the product `slug` (refused as
    _addable refuses): that product's row and the basket's token. Core statements on the
    driver's cursor, on a connection apart from the Session: the ORM's flush or bulk INSERT
    cost a third of a first add, the Session's execution of the Core statements another
    sixth, and its transaction's bookkeeping a sixth of what was left. On PostgreSQL, one
    statement, atomic by itself, reads the product and writes both rows (_FIRST_ADD). No
    Basket entity is made: nothing reads it in the request that makes it
    (shop.basket.cookie finds it by its token if something does)."""
    values = {"token": secrets.token_urlsafe(32), "created_at": now, "updated_at": now}
    if db.engine.dialect.name == "postgresql":
        with each_statement_commits() as connection:
            product = _FIRST_ADD_ON_DRIVER.first(
                connection, values | {"slug": slug, "quantity": quantity})
        _addable(product, slug, quantity)  # a refused add wrote nothing (see _FIRST_ADD)
        return product, values["token"]
    with a_transaction_of_its_own() as connection:
        product = _PRODUCT_ON_DRIVER.first(connection, {"slug": slug})
        _addable(product, slug, quantity)
        basket_id = _INSERT_BASKET_ON_DRIVER.first(connection, values).id
        _INSERT_LINE_ON_DRIVER.first(
            connection, {"basket_id": basket_id, "product_id": product.id, "quantity": quantity})
    return product, values["token"]


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
        raise NotEnoughStock(over_limit(product.name, product.stock, have=0))
    with transaction():
        db.session.execute(
            update(BasketLine).where(BasketLine.id == line.id).values(quantity=quantity)
        )
        basket.updated_at = now
        change = LineChange(basket, basket.token, product.slug, product.name, quantity,
                            price_basket(basket, rule, now))
    return change


def remove_item(basket: Basket | None, slug: str, now: datetime, rule: DeliveryRule) -> LineChange:
    """Take a product out of the basket."""
    return _remove(basket, _basket_line(basket, slug), now, rule)


def _remove(basket: Basket, line: BasketLine, now: datetime, rule: DeliveryRule) -> LineChange:
    with transaction():
        db.session.execute(delete(BasketLine).where(BasketLine.id == line.id))
        basket.updated_at = now
        change = LineChange(basket, basket.token, line.product.slug, line.product.name, 0,
                            price_basket(basket, rule, now))
    return change


def price_basket(
    basket: Basket | None,
    rule: DeliveryRule,
    now: datetime | None = None,
    *,
    email: str | None = None,
    code: str | None = None,
) -> PricedBasket:
    """Price a basket line by line at current prices, apply its discount code (or `code`) at
    `now` for `email` when known, and quote delivery on the goods after the discount."""
    if basket is None:
        return _nothing_priced(rule)
    rows = db.session.execute(
        select(Product, BasketLine.quantity)
        .join(BasketLine.product)
        .where(BasketLine.basket_id == basket.id)
        .order_by(BasketLine.id)
    )
    code = code or basket.discount_code
    offer = offer_for(code, now or current_app.config["CLOCK"].now(), email) if code else None
    return price_lines(rows, rule, offer)


@cache
def _nothing_priced(rule: DeliveryRule) -> PricedBasket:
    """No basket yet (every first visit's page): the same empty, immutable answer each time."""
    return price_lines([], rule)


def price_lines(
    lines: Iterable[tuple[Product | Row, int]], rule: DeliveryRule, offer: Offer | None = None
) -> PricedBasket:
    """Price (product, quantity) pairs at the products' current prices, apply `offer` and
    quote delivery; a product may be a Product or a row of its columns."""
    return PricedBasket.of(
        (
            PricedLine(
                product_id=product.id,
                slug=product.slug,
                name=product.name,
                image=product.image,
                quantity=quantity,
                unit_price_pence=product.price_pence,
                stock_available=product.stock,
                active=product.active,
            )
            for product, quantity in lines
        ),
        rule,
        offer,
    )
