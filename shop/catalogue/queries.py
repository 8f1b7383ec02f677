"""Reading the catalogue: search, filter and paginate active products."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from shop.extensions import db
from shop.models import Category, Product

MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200
NUL = "\x00"


class BadQuery(ValueError):
    """A catalogue query that cannot be answered; `status` is 400 or 422."""

    def __init__(self, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.status = status


@dataclass(frozen=True)
class ProductPage:
    items: list[Product]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def parse_positive(value: str | None, name: str, default: int, maximum: int) -> int:
    """Parse a page-like query value: a whole number from 1 to `maximum`."""
    if value is None or value == "":
        return default
    if not value.isdigit() or not value.isascii():
        raise BadQuery(f"{name} must be a whole number.", status=400)
    number = int(value) if len(value) <= 9 else maximum + 1
    if not 1 <= number <= maximum:
        raise BadQuery(f"{name} must be between 1 and {maximum}.")
    return number


def categories() -> list[Category]:
    """All categories in display order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def search_products(q: str = "", category: str = "", page: int = 1, per_page: int = 12) -> ProductPage:
    """Active products matching a text query and a category slug, one page of them."""
    if len(q) > MAX_QUERY_LENGTH:
        raise BadQuery(f"q must be at most {MAX_QUERY_LENGTH} characters.")
    if NUL in q or NUL in category:
        # No product or category has a NUL in it, and PostgreSQL refuses NUL in text.
        return ProductPage([], page, per_page, 0)
    query = select(Product).where(Product.active.is_(True))
    if category:
        query = query.join(Product.category).where(Category.slug == category)
    for word in q.split():
        pattern = f"%{_escape_like(word.lower())}%"
        query = query.where(
            or_(
                func.lower(Product.name).like(pattern, escape="\\"),
                func.lower(Product.description).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.options(joinedload(Product.category))
        .order_by(Product.featured.desc(), Product.name, Product.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ProductPage(list(items), page, per_page, total)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def product_by_slug(slug: str) -> Product | None:
    """The active product with this slug, or None."""
    if NUL in slug:
        return None
    return db.session.scalar(
        select(Product)
        .options(joinedload(Product.category))
        .where(Product.slug == slug, Product.active.is_(True))
    )


def featured_products(limit: int = 8) -> list[Product]:
    """Products picked for the home page, featured first."""
    return list(
        db.session.scalars(
            select(Product)
            .options(joinedload(Product.category))
            .where(Product.active.is_(True))
            .order_by(Product.featured.desc(), Product.name)
            .limit(limit)
        )
    )
