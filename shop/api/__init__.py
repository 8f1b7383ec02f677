"""The JSON API under /api/v1."""

from flask import Blueprint

# One budget per client address for the whole API (shop.api_budget): 429 as problem+json
# with Retry-After over it.
bp = Blueprint("api", __name__)

from shop.api import (  # noqa: E402,F401  (views register on bp)
    admin,
    admin_discounts,
    admin_reports,
    basket,
    orders,
    views,
)
