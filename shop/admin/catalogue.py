"""Managing the catalogue: one validation for forms and API, and audited changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from pydantic import ValidationError
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from blog.rendering import slugify
from shop.admin.audit import Actor, diff, record
from shop.admin.validation import InUse, Invalid, ProductCreate, ProductUpdate
from shop.catalogue.queries import forget_product
from shop.domain.fields import field_errors
from shop.extensions import db
from shop.models import BasketLine, Category, OrderLine, Product
from shop.search import contains
from shop.transaction import transaction


class StockChanged(Exception):
    """The stock moved (an order, another admin) between loading a form and saving it."""

    def __init__(self, now: int) -> None:
        super().__init__(
            f"The stock changed to {now} while you were editing. Check it and save again."
        )
        self.now = now


def validate_product(
    data: Mapping[str, Any] | ProductUpdate, current: Product | None = None
) -> dict[str, Any]:
    """Check submitted product values; return the clean ones or raise Invalid.

    Creating (no `current`) requires name, category and price_pence (ProductCreate); updating
    takes any subset (ProductUpdate). The slug defaults to one made from the name, and must not
    belong to another product.
    """
    creating = current is None
    if not isinstance(data, ProductUpdate):
        try:
            data = (ProductCreate if creating else ProductUpdate).model_validate(data)
        except ValidationError as exc:
            raise Invalid(field_errors(exc)) from None
    values = data.model_dump(exclude_unset=True)
    if creating and "slug" not in values:
        values["slug"] = slugify(values["name"], 120)  # the name holds a letter or digit
    if "category" in values:
        category = db.session.scalar(select(Category).where(Category.slug == values["category"]))
        if category is None:
            raise Invalid({"category": f"{values['category']!r} is not a category."})
        values["category"] = category
    slug = values.get("slug")
    if slug and (current is None or slug != current.slug):
        taken = db.session.scalar(select(exists().where(Product.slug == slug)))
        if taken:
            raise Invalid({"slug": f"{slug!r} is already used by another product."}, conflict=True)
    return values


def snapshot(product: Product) -> dict[str, Any]:
    """The audited fields of a product, as plain values."""
    return {
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "category": product.category.slug if product.category else None,
        "price_pence": product.price_pence,
        "stock": product.stock,
        "active": product.active,
        "featured": product.featured,
        "perishable": product.perishable,
        "image": product.image,
    }


def create_product(values: dict[str, Any], actor: Actor, now: datetime) -> Product:
    """Add a validated product and audit it (committed)."""
    product = Product(
        name=values["name"],
        slug=values["slug"],
        description=values.get("description", ""),
        category=values["category"],
        price_pence=values["price_pence"],
        stock=values.get("stock", 0),
        active=values.get("active", True),
        featured=values.get("featured", False),
        perishable=values.get("perishable", False),
        image="",
        created_at=now,
        updated_at=now,
    )
    with transaction():
        db.session.add(product)
        db.session.flush()
        record(actor, "product.create", "product", product.slug, snapshot(product), now)
        forget_product(product.slug)  # "no such product" may have been shared under that slug
    return product


def update_product(
    product: Product,
    values: dict[str, Any],
    actor: Actor,
    now: datetime,
    expected_stock: int | None = None,
) -> dict[str, list]:
    """Apply validated changes and audit them (committed); return {field: [old, new]}.

    With `expected_stock` (the value the form showed), a stock change is refused with
    StockChanged when orders moved the stock meanwhile, instead of silently overwriting them.
    """
    before = snapshot(product)
    values = dict(values)
    new_stock = values.pop("stock", None)
    reference = product.stock if expected_stock is None else expected_stock
    with transaction():
        if new_stock is not None and new_stock != reference:
            condition = [Product.id == product.id]
            if expected_stock is not None:
                condition.append(Product.stock == expected_stock)
            moved = db.session.execute(
                update(Product).where(*condition).values(stock=new_stock)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not moved:
                db.session.rollback()
                raise StockChanged(
                    db.session.scalar(select(Product.stock).where(Product.id == product.id))
                )
            db.session.refresh(product, ["stock"])
        for field, value in values.items():
            setattr(product, field, value)
        changes = diff(before, snapshot(product))
        if changes:
            product.updated_at = now
            action = "product.price" if set(changes) == {"price_pence"} else "product.update"
            if set(changes) == {"stock"}:
                action = "product.stock"
            record(actor, action, "product", product.slug, changes, now)
        forget_product(before["slug"], product.slug)
    return changes


def adjust_stock(product: Product, delta: int, actor: Actor, now: datetime) -> int:
    """Add `delta` units (negative takes away) atomically; return the new stock (committed)."""
    if delta == 0:
        return product.stock
    with transaction():
        after = db.session.scalar(
            update(Product)
            .where(Product.id == product.id, Product.stock + delta >= 0)
            .values(stock=Product.stock + delta, updated_at=now)
            .returning(Product.stock)
            .execution_options(synchronize_session=False)
        )
        if after is None:
            db.session.rollback()
            raise Invalid({"stock": f"cannot go below zero (there are {product.stock} left)."})
        record(actor, "product.stock", "product", product.slug,
               {"stock": [after - delta, after], "adjusted_by": delta}, now)
        forget_product(product.slug)
    db.session.refresh(product)
    return after


def set_image(product: Product, image: str, actor: Actor, now: datetime) -> None:
    """Point the product at a newly stored image (committed)."""
    with transaction():
        record(actor, "product.image", "product", product.slug,
               {"image": [product.image, image]}, now)
        product.image = image
        product.updated_at = now
        forget_product(product.slug)


def ever_ordered(product: Product) -> bool:
    return bool(db.session.scalar(select(exists().where(OrderLine.product_id == product.id))))


def delete_product(product: Product, actor: Actor, now: datetime) -> None:
    """Delete a product nobody ever ordered (committed); raise InUse for any other."""
    if ever_ordered(product):
        raise InUse(
            f"{product.name} appears in orders, so it cannot be deleted: deactivate it instead."
        )
    slug, name = product.slug, product.name
    try:
        with transaction():
            record(actor, "product.delete", "product", slug, snapshot(product), now)
            db.session.execute(delete(BasketLine).where(BasketLine.product_id == product.id))
            db.session.delete(product)
            forget_product(slug)
    except IntegrityError:  # an order for it arrived a moment ago
        raise InUse(f"{name} was just ordered, so it cannot be deleted.") from None


def product_for_admin(slug: str) -> Product | None:
    """Any product, active or not, by slug."""
    return db.session.scalar(
        select(Product).options(joinedload(Product.category)).where(Product.slug == slug)
    )


def search_all_products(
    q: str = "",
    category: str = "",
    active: bool | None = None,
    low_stock_at: int | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    """Every product, withdrawn ones too, filtered by words, category, active state and low
    stock, by name."""
    query = select(Product).options(joinedload(Product.category))
    if category:
        query = query.join(Product.category).where(Category.slug == category)
    if active is not None:
        query = query.where(Product.active.is_(active))
    if low_stock_at is not None:
        query = query.where(Product.stock <= low_stock_at)
    for word in q.split()[:10]:
        query = query.where(contains(word, Product.name, Product.slug, Product.description))
    return db.paginate(query.order_by(Product.name, Product.id), page=page, per_page=per_page,
                       error_out=False)
