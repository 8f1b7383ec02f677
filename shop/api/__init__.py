"""The JSON API under /api/v1."""

from flask import Blueprint, current_app

from shop.extensions import limiter

bp = Blueprint("api", __name__)


def _api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


# One budget per client address for the whole API, counted in Redis when REDIS_URL is set,
# so every app server behind the load balancer draws on the same budget. Over it: 429 as
# problem+json (shop.errors) with Retry-After.
limiter.shared_limit(_api_rate_limit, scope="api")(bp)

from shop.api import (  # noqa: E402,F401  (views register on bp)
    admin,
    admin_discounts,
    admin_reports,
    basket,
    orders,
    views,
)
