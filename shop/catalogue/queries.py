"""Reading the catalogue: search, filter and paginate active products."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple, TypeVar

from flask import current_app
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, bindparam, false, func, select
from sqlalchemy.orm import Bundle, joinedload

from shop.cache import forget_on_commit, remember
from shop.cache import key as cache_key
from shop.extensions import db
from shop.models import Category, Product
from shop.search import contains

MAX_PER_PAGE = 100
#: Featured first, then by name: the order of shop.models' ix_products_listing index.
LISTING_ORDER = (Product.featured.desc(), Product.name, Product.id)
MAX_QUERY_LENGTH = 200
NUL = "\x00"
#: A NamedTuple of a row (Card, CategoryLink), for _shared_rows.
Row = TypeVar("Row", bound=tuple)


class Card(NamedTuple):
    """A product card's fields (CARD), plain enough to share through the cache."""

    id: int
    slug: str
    name: str
    price_pence: int
    image: str
    in_stock: bool


class CardColumns(Bundle):
    """What a product card (templates/_macros.html) shows, and all a listing page loads, as
    one column of Cards, so that db.paginate pages them like whole products."""

    def create_row_processor(self, query, procs, labels):
        def card(row) -> Card:
            return Card(*(proc(row) for proc in procs))

        return card


CARD = CardColumns(
    "card",
    Product.id,
    Product.slug,
    Product.name,
    Product.price_pence,
    Product.image,
    (Product.stock > 0).label("in_stock"),
)


class ProductDetails(NamedTuple):
    """What a product page shows of a product (DETAILS), plain enough to share."""

    id: int
    slug: str
    name: str
    description: str
    price_pence: int
    stock: int
    image: str
    category_slug: str
    category_name: str
    perishable: bool

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


DETAILS = (
    Product.id,
    Product.slug,
    Product.name,
    Product.description,
    Product.price_pence,
    Product.stock,
    Product.image,
    Category.slug,
    Category.name,
    Product.perishable,
)


class BadQuery(ValueError):
    """A catalogue query that cannot be answered; `status` is 400 or 422."""

    def __init__(self, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.status = status


def parse_positive(value: str | None, name: str, default: int, maximum: int) -> int:
    """Parse a page-like query value: a whole number from 1 to `maximum` (absent: `default`)."""
    if value is None:
        return default
    if not value.isdigit() or not value.isascii():
        raise BadQuery(f"{name} must be a whole number.", status=400)
    number = int(value) if len(value) <= 9 else maximum + 1
    if not 1 <= number <= maximum:
        raise BadQuery(f"{name} must be between 1 and {maximum}.")
    return number


class CategoryLink(NamedTuple):
    """What the catalogue's category navigation shows of a category, plain enough to share."""

    id: int
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class Statements:
    """The catalogue's everyday statements, built once: each call then only binds values."""

    cards: Select
    products: Select
    count: Select
    by_slug: Select
    details: Select
    categories: Select


@cache
def statements() -> Statements:
    """Built on first use rather than at import, once every model is mapped."""
    active = Product.active.is_(True)
    return Statements(
        cards=select(CARD).where(active).order_by(*LISTING_ORDER),
        products=select(Product).options(joinedload(Product.category)).where(active)
        .order_by(*LISTING_ORDER),
        count=select(func.count(Product.id)).where(active),
        by_slug=select(Product).options(joinedload(Product.category))
        .where(Product.slug == bindparam("slug"), active),
        details=select(*DETAILS).join(Product.category)
        .where(Product.slug == bindparam("slug"), active),
        categories=select(Category.id, Category.slug, Category.name, Category.description)
        .order_by(Category.position, Category.name),
    )


def categories() -> list[CategoryLink]:
    """All categories in display order, shared for a little while (CATALOGUE_CACHE_TTL)."""
    return _shared_rows("categories", CategoryLink,
                        lambda: db.session.execute(statements().categories))


def search_active_products(
    q: str = "", category: str = "", page: int = 1, per_page: int = 12, *, cards: bool = False
) -> Pagination:
    """Products for sale (active ones) matching a text query and a category slug, one page of
    them.

    With `cards`, the items are Cards holding only what a product card shows rather than
    whole products with their category: a third of the work for a page. The storefront asks
    for cards, and a page of them is shared for a little while (CATALOGUE_CACHE_TTL), like
    the count: a listing may lag a stock or price change by that long, while the basket and
    checkout always read the database.
    """
    if len(q) > MAX_QUERY_LENGTH:
        raise BadQuery(f"q must be at most {MAX_QUERY_LENGTH} characters.")
    if NUL in q or NUL in category:
        # No product or category has a NUL in it, and PostgreSQL refuses NUL in text.
        conditions = [false()]
    else:
        conditions = [contains(word, Product.name, Product.description) for word in q.split()]
        if category:
            in_category = select(Category.id).where(Category.slug == category).scalar_subquery()
            conditions.append(Product.category_id == in_category)
    built = statements()
    count, query = built.count, built.cards if cards else built.products
    if conditions:
        count, query = count.where(*conditions), query.where(*conditions)
    return CataloguePage(
        # The session itself, made on first use: a page served from the cache needs none.
        select=query, session=db.session, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE,
        error_out=False, count_statement=count, key=(category, q), shared_items=cards,
    )


class CataloguePage(SelectPagination):
    """A page as db.paginate makes it, whose count, and whose items when they are cards
    (`shared_items`), are shared for CATALOGUE_CACHE_TTL under `key`: db.paginate itself has
    no place for a cache, so this overrides the two queries of its SelectPagination."""

    def __repr__(self) -> str:
        # Everything a listing shows, so a page rendered from it can be shared (page_cache).
        return (f"CataloguePage(page={self.page}, per_page={self.per_page}, "
                f"total={self.total}, items={self.items!r})")

    def _query_count(self) -> int:
        # Counting is the one part of a page that grows with the catalogue (1 ms at 10,000
        # products on SQLite), so the count is shared for a little while.
        args = self._query_args
        return remember(cache_key("catalogue-count", *args["key"]),
                        current_app.config["CATALOGUE_CACHE_TTL"],
                        lambda: db.session.scalar(args["count_statement"]) or 0)

    def _query_items(self) -> list[Any]:
        if not self._query_args["shared_items"]:
            return super()._query_items()
        key = cache_key("catalogue-cards", *self._query_args["key"], str(self.page),
                        str(self.per_page))
        return _shared_rows(key, Card, super()._query_items)


def _shared_rows(key: str, row_type: Callable[..., Row],
                 rows: Callable[[], Iterable[Iterable]]) -> list[Row]:
    """`rows()` as `row_type`s (a NamedTuple), shared for CATALOGUE_CACHE_TTL under `key`."""
    shared = remember(key, current_app.config["CATALOGUE_CACHE_TTL"],
                      lambda: [row_type(*row) for row in rows()])
    # This process's cache hands back the tuples it keeps (they are immutable); Redis hands
    # back JSON lists, made tuples again here.
    return shared if not shared or type(shared[0]) is row_type else [
        row_type(*row) for row in shared]


def product_by_slug(slug: str) -> Product | None:
    """The active product with this slug, or None."""
    if NUL in slug:
        return None
    return db.session.scalar(statements().by_slug, {"slug": slug})


def product_details(slug: str) -> ProductDetails | None:
    """The active product with this slug as its page shows it, or None.

    Shared for PAGE_CACHE_TTL (2 s): a product page in demand reads the database once every
    two seconds rather than on every visit. Its stock may be that old, which the page can
    afford: adding to the basket and checking out always count the stock afresh. A change
    made through the shop (the admin, an order's stock) forgets the entry when it commits
    (forget_product).
    """
    if NUL in slug:
        return None
    row = remember(
        _details_key(slug),
        current_app.config["PAGE_CACHE_TTL"],
        lambda: list(db.session.execute(statements().details, {"slug": slug}).first() or []),
    )
    return ProductDetails(*row) if row else None


def forget_product(*slugs: str) -> None:
    """Drop the shared details of products this transaction changes (old and new slugs)
    once it commits."""
    forget_on_commit(db.session, *(_details_key(slug) for slug in slugs))


def _details_key(slug: str) -> str:
    return cache_key("product-details", slug)


def featured_products(limit: int = 8) -> list[Card]:
    """Cards of the products picked for the home page, featured first (shared like a listing)."""
    return _shared_rows(f"featured:{limit}", Card,
                        lambda: db.session.scalars(statements().cards.limit(limit)))
