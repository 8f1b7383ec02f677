"""The JSON API under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from shop.api import basket, orders, views  # noqa: E402,F401  (views register on bp)
