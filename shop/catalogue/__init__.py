"""The storefront: home page, catalogue and product pages."""

from flask import Blueprint

from shop.catalogue.images import has_photo, product_image

bp = Blueprint("catalogue", __name__)
bp.add_app_template_filter(product_image, "product_image")
bp.add_app_template_test(has_photo, "photographed")

from shop.catalogue import views  # noqa: E402,F401  (views register on bp)
