"""What picture a product shows: its photo, or the shop's own placeholder when it has none.

Every page and the API ask here, so a product staff add without a photo never shows a broken
image or an empty `image_url`.
"""

from __future__ import annotations

from typing import Protocol

from flask import url_for

#: Drawn by scripts/draw_products.py like the demo artwork: an empty jar, "Photo coming soon".
PLACEHOLDER_IMAGE = "img/products/placeholder.svg"


class HasImage(Protocol):
    image: str


def product_image(product: HasImage) -> str:
    """The static filename of the product's picture: its photo, else the placeholder."""
    return product.image or PLACEHOLDER_IMAGE


def has_photo(product: HasImage) -> bool:
    """Whether the product has a picture of its own."""
    return bool(product.image)


def product_image_url(product: HasImage) -> str:
    """The absolute URL of the product's picture; never empty (the API's `image_url`)."""
    return url_for("static", filename=product_image(product), _external=True)
