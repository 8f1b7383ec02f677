"""The admin API under /api/v1/admin: bearer tokens only, never the session cookie.

The api blueprint is CSRF-exempt because no view here trusts a cookie: a request is
authenticated by its Authorization header or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from blog.models import Post
from shop.admin.accounts import user_for_token
from shop.admin.audit import Actor
from shop.admin.catalogue import (
    InUse,
    create_product,
    delete_product,
    product_for_admin,
    search_products,
    update_product,
    validate_product,
)
from shop.admin.orders import (
    OrderActionRefused,
    RefundFailed,
    order_by_number,
    refund,
    search_orders,
)
from shop.admin.posts import InvalidPost, delete_post, post_by_slug, post_json, save, search_posts
from shop.admin.validation import Invalid
from shop.api import bp
from shop.api.schemas import product_json
from shop.catalogue.queries import BadQuery, parse_positive
from shop.checkout.orders import order_json
from shop.errors import Problem
from shop.models import Order, OrderStatus, Product
from shop.transaction import transaction
from shop.web import now

BOOLEANS = {"true": True, "false": False, "": None}
#: Product fields the API shows but that cannot be set: sending them back changes nothing.
READ_ONLY_PRODUCT = {"currency", "category_name", "in_stock", "stock_available", "image_url", "url"}


class Unauthenticated(Problem):
    """401 with the challenge that tells clients to send a bearer token."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", 'Bearer realm="admin"')]


def token_required(role: str | None = None) -> Callable:
    """Authenticate by `Authorization: Bearer <token>`; with `role`, only that role may call."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>'.")
            with transaction():  # last_used_at
                user = user_for_token(token.strip(), now())
            if user is None:
                raise Unauthenticated("That API token is not valid, or has been revoked.")
            if role and user.role != role:
                raise Problem(403, f"Only the {role} role may do this; this token is {user.role}.")
            g.api_actor = Actor(user, "api")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 unless sent as JSON, 400 unless it parses to an object."""
    if request.mimetype != "application/json":
        raise Problem(415, "Send the body as JSON with 'Content-Type: application/json'.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.")
    return body


def invalid(exc: Invalid) -> Problem:
    """409 when the only trouble is a clash with stored data, else 422; both list the fields."""
    return Problem(409 if exc.conflict else 422, str(exc), extra={"errors": exc.errors})


def page_args(default_per_page: int = 50) -> tuple[int, int]:
    try:
        page = parse_positive(request.args.get("page"), "page", 1, 100_000)
        per_page = parse_positive(request.args.get("per_page"), "per_page", default_per_page, 100)
    except BadQuery as exc:
        raise Problem(exc.status, str(exc)) from None
    return page, per_page


def listing(result, shape: Callable) -> dict:
    return {"items": [shape(item) for item in result.items], "page": result.page,
            "per_page": result.per_page, "total": result.total}


def admin_product_json(product: Product) -> dict:
    """The public Product plus what only staff see."""
    return product_json(product) | {
        "stock": product.stock,
        "active": product.active,
        "featured": product.featured,
    }


def _product_or_404(slug: str) -> Product:
    product = product_for_admin(slug)
    if product is None:
        raise Problem(404, f"No product has the slug {slug!r}.")
    return product


def _writable(body: dict, read_only: set[str]) -> dict:
    return {key: value for key, value in body.items() if key not in read_only}


@bp.get("/admin/products")
@token_required()
def admin_products():
    """Every product, active or not; ?q=, ?category=, ?active=true|false, ?low_stock=N."""
    args = request.args
    active = BOOLEANS.get(args.get("active", ""), "bad")
    if active == "bad":
        raise Problem(400, "active must be true or false.")
    low = args.get("low_stock")
    low_at = None
    if low:
        if not low.isdigit() or not low.isascii() or len(low) > 9:
            raise Problem(400, "low_stock must be a whole number.")
        low_at = int(low)
    page, per_page = page_args()
    result = search_products(args.get("q", "")[:200], args.get("category", ""), active, low_at,
                             page, per_page)
    return listing(result, admin_product_json)


@bp.post("/admin/products")
@token_required()
def admin_product_create():
    """Add a product: name, category and price_pence required; slug defaults from the name."""
    try:
        values = validate_product(_writable(json_body(), READ_ONLY_PRODUCT))
    except Invalid as exc:
        raise invalid(exc) from None
    product = create_product(values, g.api_actor, now())
    return admin_product_json(product), 201, {"Location": f"/api/v1/admin/products/{product.slug}"}


@bp.get("/admin/products/<slug>")
@token_required()
def admin_product(slug: str):
    return admin_product_json(_product_or_404(slug))


@bp.patch("/admin/products/<slug>")
@token_required()
def admin_product_update(slug: str):
    """Change any of name, slug, description, category, price_pence, stock, active, featured."""
    product = _product_or_404(slug)
    try:
        values = validate_product(_writable(json_body(), READ_ONLY_PRODUCT), current=product)
    except Invalid as exc:
        raise invalid(exc) from None
    update_product(product, values, g.api_actor, now())
    return admin_product_json(product)


@bp.delete("/admin/products/<slug>")
@token_required()
def admin_product_delete(slug: str):
    """Delete a product nobody ordered; one that appears in orders answers 409 (deactivate it)."""
    product = _product_or_404(slug)
    try:
        delete_product(product, g.api_actor, now())
    except InUse as exc:
        raise Problem(409, f"{exc} PATCH it with {{\"active\": false}}.") from None
    return "", 204


def _post_or_404(slug: str) -> Post:
    post = post_by_slug(slug)
    if post is None:
        raise Problem(404, f"No post has the slug {slug!r}.")
    return post


@bp.get("/admin/posts")
@token_required()
def admin_posts():
    """Every post, drafts first; ?published=true|false."""
    published = BOOLEANS.get(request.args.get("published", ""), "bad")
    if published == "bad":
        raise Problem(400, "published must be true or false.")
    page, per_page = page_args()
    return listing(search_posts(request.args.get("q", "")[:200], published, page, per_page),
                   post_json)


@bp.post("/admin/posts")
@token_required()
def admin_post_create():
    """Add a post: title required; slug defaults from the title; a draft unless published.

    blog.services.save_post checks the values, for this API and the admin's form alike.
    """
    try:
        post = save(json_body(), g.api_actor, now())
    except InvalidPost as exc:
        raise Problem(exc.status, str(exc)) from None
    return post_json(post), 201, {"Location": f"/api/v1/admin/posts/{post.slug}"}


@bp.get("/admin/posts/<slug>")
@token_required()
def admin_post(slug: str):
    return post_json(_post_or_404(slug))


@bp.patch("/admin/posts/<slug>")
@token_required()
def admin_post_update(slug: str):
    """Change any of title, slug, body_markdown, excerpt, published, author, tags, products."""
    post = _post_or_404(slug)
    try:
        save(json_body(), g.api_actor, now(), post)
    except InvalidPost as exc:
        raise Problem(exc.status, str(exc)) from None
    return post_json(post)


@bp.delete("/admin/posts/<slug>")
@token_required()
def admin_post_delete(slug: str):
    delete_post(_post_or_404(slug), g.api_actor, now())
    return "", 204


def admin_order_json(order: Order) -> dict:
    """The public Order plus the customer and payment facts staff need."""
    return order_json(order) | {
        "name": order.name,
        "created_at": order.created_at.isoformat(),
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "dispatch_date": order.dispatch_date.isoformat(),
        "address": {"line1": order.address_line1, "line2": order.address_line2,
                    "city": order.city, "postcode": order.postcode},
    }


@bp.get("/admin/orders")
@token_required()
def admin_orders():
    """Orders newest first; ?status=, ?q= (number or email)."""
    status = request.args.get("status", "")
    if status and status not in set(OrderStatus):
        raise Problem(400, f"status must be one of {', '.join(OrderStatus)}.")
    page, per_page = page_args()
    return listing(search_orders(request.args.get("q", "")[:254], status, page, per_page),
                   admin_order_json)


@bp.post("/admin/orders/<number>/refund")
@token_required(role="admin")
def admin_order_refund(number: str):
    """Refund the whole order through Stripe; {"restock": true} puts the items back on sale."""
    body = json_body() if request.content_length else {}
    restock = body.get("restock", False)
    if not isinstance(restock, bool) or set(body) - {"restock"}:
        raise Problem(422, "The body may only hold restock: true or false.",
                      extra={"errors": {"restock": "must be true or false."}})
    order = order_by_number(number)
    if order is None:
        raise Problem(404, f"No order has the number {number!r}.")
    try:
        refund(order, g.api_actor, now(), restock=restock)
    except RefundFailed as exc:
        raise Problem(502, str(exc)) from None
    except OrderActionRefused as exc:
        raise Problem(409, str(exc)) from None
    return admin_order_json(order)
