"""Orders stored as checkout and payment leave them, for the reports, export and dispatch tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask

from shop.domain import LONDON
from shop.extensions import db
from shop.models import Category, Order, OrderLine, Product

NOW = datetime(2026, 11, 25, 11, 45, tzinfo=LONDON)  # conftest's DEFAULT_NOW


def add_products(app: Flask) -> dict[str, int]:
    """Milk kefir (40 in stock), grains (3) and water kefir (100): {slug: id}."""
    with app.app_context():
        kefir = Category(slug="kefir", name="Kefir")
        items = [
            Product(slug="milk-kefir", name="Milk Kefir 500ml", category=kefir, price_pence=450,
                    stock=40),
            Product(slug="kefir-grains", name="Live Kefir Grains", category=kefir,
                    price_pence=1200, stock=3),
            Product(slug="water-kefir", name="Water Kefir, Lemon", category=kefir,
                    price_pence=500, stock=100),
        ]
        db.session.add_all(items)
        db.session.commit()
        return {p.slug: p.id for p in items}


def record_order(app: Flask, products: dict[str, int], paid_at: datetime | None,
                 lines: list[tuple[str, int, int]], status: str = "paid", *,
                 delivery_pence: int | None = None, name: str = "Ada Lovelace",
                 created_at: datetime | None = None, dispatch_date: date | None = None,
                 basket_id: int | None = None, discount: tuple[str, int] | None = None) -> str:
    """Store an order as checkout and payment would leave it; lines are (slug, units, pence)."""
    subtotal = sum(units * pence for _, units, pence in lines)
    if delivery_pence is None:
        delivery_pence = 0 if subtotal > 2500 else 395
    placed = created_at or paid_at or NOW
    code, off = discount or (None, 0)
    with app.app_context():
        order = Order(
            status=status, email="ada@example.com", name=name, address_line1="1 Kefir Lane",
            city="Bath", postcode="BA1 1AA", subtotal_pence=subtotal,
            delivery_pence=delivery_pence, total_pence=subtotal - off + delivery_pence,
            discount_code=code, discount_pence=off,
            dispatch_date=dispatch_date or placed.astimezone(LONDON).date(),
            delivery_date=(dispatch_date or placed.astimezone(LONDON).date()) + timedelta(days=1),
            created_at=placed, expires_at=placed + timedelta(minutes=30), paid_at=paid_at,
            basket_id=basket_id,
            lines=[OrderLine(product_id=products[slug], product_slug=slug, product_name=slug,
                             unit_price_pence=pence, quantity=units)
                   for slug, units, pence in lines],
        )
        db.session.add(order)
        db.session.flush()
        order.number = f"KS-{order.id:06d}"
        db.session.commit()
        return order.number


def london(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=LONDON, fold=fold)
