"""Storefront views: parse the request, call one query, render."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask import abort, current_app, request, url_for

from blog.jsonld import script_json
from blog.queries import latest_teaser
from shop import jsonld
from shop.basket.cookie import current_priced_basket
from shop.cache import LocalCache
from shop.catalogue import bp
from shop.catalogue.images import product_image_url
from shop.catalogue.queries import (
    BadQuery,
    ProductDetails,
    categories,
    featured_products,
    parse_positive,
    product_details,
    search_active_products,
)
from shop.domain import LONDON
from shop.domain.delivery import estimate_label
from shop.page_cache import render_page
from shop.web import delivery_estimate, now


@bp.get("/")
def index():
    """Home page: the promises, featured products, the latest blog post and who we are."""
    products, post = featured_products(), latest_teaser()
    # Its absolute URLs are made from the scheme, host and script root.
    organization = remember_here(("organization", request.scheme, request.host,
                                  request.root_path),
                                 lambda: script_json(organization_jsonld()))
    return render_page("catalogue/index.html", made_from=(tuple(products), post, organization),
                       products=products, post=post, organization=organization)


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
    return render_page(
        "catalogue/products.html",
        made_from=(result.page, result.per_page, result.total, tuple(result.items),
                   tuple(all_categories), current, q),
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
    day = at.astimezone(LONDON).date()  # the cut-off's offset changes with the clocks
    # Scheme, host and script root: the head's absolute URLs (request.host_url is the same
    # text, but builds a whole URL to give it).
    key = (item, request.scheme, request.host, request.root_path, day,
           current_app.config["DELIVERY_RULE"])
    estimate = delivery_estimate(at)
    basket = current_priced_basket()
    return render_page(
        "catalogue/product.html",
        now=at,
        vary=(estimate_label(at, estimate),),
        made_from=(key, basket, estimate),  # the head is made from the key's parts
        product=item,
        basket=basket,
        estimate=estimate,
        head=remember_here(key, lambda: _product_head(item, at)),
    )


def _product_head(item: ProductDetails, at: datetime) -> dict:
    """The product page's canonical URL and its Product and BreadcrumbList JSON-LD."""
    url = url_for("catalogue.product", slug=item.slug, _external=True)
    data = jsonld.product(item, url=url, image_url=product_image_url(item),
                          brand=current_app.config["SHOP_NAME"], terms=selling_terms(at))
    crumbs = jsonld.breadcrumb_list([
        ("Home", url_for("catalogue.index", _external=True)),
        ("Shop", url_for("catalogue.products", _external=True)),
        (item.category_name,
         url_for("catalogue.products", category=item.category_slug, _external=True)),
        (item.name, url),
    ])
    return {"canonical": url, "json_ld": [script_json(data), script_json(crumbs)]}


def remember_here(key: Hashable, build: Callable[[], Any]) -> Any:
    """What `build` makes of values that `key` names in full, kept in this process for an
    hour: the JSON-LD of a page costs more to build than the rest of the page."""
    cache = current_app.extensions.setdefault("shop_json_ld", LocalCache())
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, 3600)
    return value


def selling_terms(at: datetime) -> jsonld.SellingTerms:
    """The terms every offer shares, for the product JSON-LD."""
    config = current_app.config
    home = url_for("catalogue.index", _external=True)
    return jsonld.SellingTerms(
        rule=config["DELIVERY_RULE"],
        cutoff=config["DISPATCH_CUTOFF_TIME"],
        now=at,
        seller=jsonld.seller(config["COMPANY"], home),
        delivery_url=url_for("pages.show", slug="delivery", _external=True),
        returns_url=url_for("pages.show", slug="returns-and-refunds", _external=True),
    )


def organization_jsonld() -> dict:
    """The shop's Organization, for the home page."""
    return jsonld.organization(
        current_app.config["COMPANY"],
        home_url=url_for("catalogue.index", _external=True),
        logo_url=url_for("static", filename="img/favicon.svg", _external=True),
        contact_url=url_for("pages.show", slug="contact", _external=True),
        chat=current_app.config["CHAT"],
    )
