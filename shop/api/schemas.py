"""Plain-dict shapes of the API's resources."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from shop.basket.service import PricedBasket
from shop.domain.chat import ChatStatus
from shop.domain.delivery import DeliveryEstimate, day_label, estimate_label
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


def basket_json(basket: PricedBasket) -> dict:
    """A Basket as SPEC §2 fixes it, plus each line's problem and whether checkout may go ahead."""
    quote = basket.quote
    return {
        "items": [
            {
                "slug": line.slug,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_pence": line.unit_price_pence,
                "line_total_pence": line.line_total_pence,
                "stock_available": line.stock_available,
                "problem": line.problem,
            }
            for line in basket.lines
        ],
        "subtotal_pence": basket.subtotal_pence,
        "delivery": {
            "service": quote.service,
            "price_pence": quote.price_pence,
            "free": quote.free,
            "free_over_pence": quote.free_over_pence,
            "amount_to_free_pence": quote.amount_to_free_pence,
        },
        "total_pence": basket.total_pence,
        "count": basket.count,
        "can_checkout": basket.can_checkout,
    }


def estimate_json(estimate: DeliveryEstimate, at: datetime) -> dict:
    """When an order placed at `at` is dispatched and delivered, and the deadline for that."""
    return {
        "order_by": estimate.order_by.isoformat(),
        "dispatch_date": estimate.dispatch_date.isoformat(),
        "delivery_date": estimate.delivery_date.isoformat(),
        "timezone": "Europe/London",
        "delivery_label": day_label(estimate.delivery_date),
        "label": estimate_label(at, estimate),
    }
