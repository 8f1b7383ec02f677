"""Plain-dict shapes of the API's resources."""

from __future__ import annotations

from flask import url_for

from shop.domain.chat import ChatStatus
from shop.models import Product


def product_json(product: Product) -> dict:
    """A Product as SPEC §2 fixes it."""
    return {
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "category": product.category.slug,
        "category_name": product.category.name,
        "price_pence": product.price_pence,
        "currency": "GBP",
        "in_stock": product.in_stock,
        "stock_available": product.stock,
        "image_url": url_for("static", filename=product.image, _external=True)
        if product.image
        else None,
        "url": url_for("catalogue.product", slug=product.slug, _external=True),
    }


def chat_json(status: ChatStatus) -> dict:
    """The live-chat state, with the next change for pages that flip on their own."""
    return {
        "online": status.online,
        "opens_at": status.opens_at.isoformat(),
        "closes_at": status.closes_at.isoformat(),
        "timezone": "Europe/London",
        "label": status.label,
        "next_change": status.next_change.isoformat(),
    }
