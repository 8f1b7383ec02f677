"""The back office at /admin/: staff manage products, stock, orders and posts.

Every page, and the blueprint's own static files, need a signed-in account (see auth.py).
"""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, static_folder="static", static_url_path="/static")

from shop.admin import auth  # noqa: E402  (registers the sign-in guard first)
from shop.admin.views import (  # noqa: E402,F401
    chat,  # the staff chat inbox
    dashboard,
    emails,
    orders,
    pages,
    posts,
    products,
    users,
)
from shop.admin.views import discounts as discount_views  # noqa: E402,F401

# Aliased: shop.admin.dispatch and shop.admin.reports name the modules these views call.
from shop.admin.views import dispatch as dispatch_views  # noqa: E402,F401
from shop.admin.views import reports as report_views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Sign-in sessions, uploaded images and the blueprint."""
    from shop.admin import images

    auth.init_app(app)
    images.init_app(app)
    app.register_blueprint(bp, url_prefix="/admin")
