"""The basket: /basket and its forms, the cookie that finds it, the header's count."""

from flask import Blueprint, g
from sqlalchemy.exc import SQLAlchemyError

from shop.basket.cookie import current_basket, set_basket_cookie
from shop.basket.service import basket_count as _basket_count
from shop.domain.delivery import day_label, estimate_label
from shop.extensions import db

bp = Blueprint("basket", __name__)
bp.after_app_request(set_basket_cookie)
bp.add_app_template_global(estimate_label, "estimate_label")
bp.add_app_template_global(day_label, "day_label")


@bp.app_template_global()
def basket_count() -> int | None:
    """Units in this visitor's basket for the header; None when the database cannot say."""
    if "priced_basket" in g:  # the page has priced the basket already
        return g.priced_basket.count
    try:
        return _basket_count(current_basket())
    except SQLAlchemyError:
        # Error pages render the header too, and must not fail because the database did.
        db.session.rollback()
        return None


from shop.basket import views  # noqa: E402,F401  (views register on bp)
