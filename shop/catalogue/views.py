"""Storefront views: parse the request, call one query, render."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from blog.queries import latest_teaser
from shop.basket.cookie import current_priced_basket
from shop.catalogue import bp
from shop.catalogue.queries import (
    BadQuery,
    categories,
    featured_products,
    parse_positive,
    product_details,
    search_active_products,
)
from shop.web import delivery_estimate, now


@bp.get("/")
def index():
    """Home page: the promises, featured products and the latest blog post."""
    return render_template(
        "catalogue/index.html", products=featured_products(), post=latest_teaser()
    )


@bp.get("/products/")
def products():
    """The catalogue with category filter, text search and pagination."""
    q = request.args.get("q", "").strip()
    category = request.args.get("category", "").strip()
    try:
        page = parse_positive(request.args.get("page"), "page", 1, 10_000)
        result = search_active_products(
            q, category, page, current_app.config["PRODUCTS_PER_PAGE"], cards=True
        )
    except BadQuery as exc:
        abort(400, str(exc))
    all_categories = categories()
    current = next((c for c in all_categories if c.slug == category), None)
    if category and current is None:
        abort(404, "There is no such category.")
    if page > 1 and not result.items:
        abort(404, "That page of the catalogue does not exist.")
    return render_template(
        "catalogue/products.html",
        result=result,
        categories=all_categories,
        current=current,
        q=q,
    )


@bp.get("/products/<slug>")
def product(slug: str):
    """One product: price, stock, its delivery date and how far the basket is from free delivery."""
    item = product_details(slug)
    if item is None:
        abort(404, "We could not find that product.")
    at = now()
    return render_template(
        "catalogue/product.html",
        product=item,
        basket=current_priced_basket(),
        estimate=delivery_estimate(at),
        now=at,
    )
