"""API views: parse, call one function, answer JSON."""

from __future__ import annotations

from shop.api import bp
from shop.api.schemas import AtQuery, ChatStatus, Product, ProductList, ProductQuery
from shop.api.spec import document, link, operation
from shop.catalogue.queries import BadQuery, product_by_slug, search_active_products
from shop.errors import Problem, or_404
from shop.web import chat_now


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return document()


@bp.get("/products")
@operation("listProducts", 200, ProductList, (400, 422),
           links={"GetFirstProduct": link("getProduct", slug="$response.body#/items/0/slug")})
def products(query: ProductQuery):
    """Search the catalogue, a page at a time."""
    try:
        result = search_active_products(
            query.q, query.category.strip(), query.page, query.per_page
        )
    except BadQuery as exc:
        raise Problem(exc.status, str(exc)) from None
    return ProductList.of(result, Product.of)


@bp.get("/products/<slug>")
@operation("getProduct", 200, Product, (404,))
def product(slug: str):
    """One product on sale."""
    return Product.of(or_404(product_by_slug(slug), f"No product has the slug {slug!r}."))


@bp.get("/chat/status")
@operation("getChatStatus", 200, ChatStatus, (400, 422))
def chat_status(query: AtQuery):
    """Live-chat availability at `at` (default now)."""
    return ChatStatus.of(chat_now(query.at))
