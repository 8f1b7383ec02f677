"""The storefront: home page, catalogue and product pages."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from shop.catalogue import views  # noqa: E402,F401  (views register on bp)
