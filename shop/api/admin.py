"""The admin API under /api/v1/admin: bearer tokens only, never the session cookie.

The api blueprint is CSRF-exempt because no view here trusts a cookie: a request is
authenticated by its Authorization header or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from flask import g, request
from pydantic import BaseModel

from blog.schemas import Post, PostCreate, PostUpdate
from shop.admin.accounts import user_for_token
from shop.admin.audit import Actor
from shop.admin.catalogue import (
    StockChanged,
    adjust_stock,
    create_product,
    delete_product,
    product_for_admin,
    search_all_products,
    update_product,
    validate_product,
)
from shop.admin.orders import (
    OrderActionRefused,
    order_by_number,
    refund,
    search_orders,
)
from shop.admin.posts import InvalidPost, any_post_by_slug, delete_post, save, search_posts
from shop.admin.validation import InUse, Invalid, ProductCreate, ProductPatch
from shop.api import bp
from shop.api.schemas import (
    AdminOrder,
    AdminOrderList,
    AdminOrderQuery,
    AdminProduct,
    AdminProductList,
    AdminProductQuery,
    PostList,
    PostQuery,
    Refund,
)
from shop.api.spec import admin_links, operation
from shop.errors import Problem, or_404
from shop.models import Product
from shop.transaction import transaction
from shop.web import now

BOOLEANS = {"true": True, "false": False, None: None}
PRODUCT_LINKS = admin_links("Product", "slug")
POST_LINKS = admin_links("Post", "slug")


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


def admin_operation(
    operation_id: str,
    ok: int,
    answer: type[BaseModel] | None,
    errors: tuple[int, ...] = (),
    *,
    role: str | None = None,
    **options: Any,
) -> Callable:
    """An operation (see `operation`) that only a bearer token may call, of `role` when given:
    the check and the 401 and 403 it documents are declared together."""
    declared = operation(operation_id, ok, answer, errors, bearer=True, **options)

    def decorate(view: Callable) -> Callable:
        return token_required(role)(declared(view))

    return decorate


@contextmanager
def refusals_as_problems() -> Iterator[None]:
    """Answer what the admin's rules refuse as a problem: values that cannot be saved (409 when
    the only trouble is a clash with stored data, else 422; both name the fields), stock that
    moved meanwhile (409), and deleting what orders use (409)."""
    try:
        yield
    except (Invalid, InvalidPost) as exc:
        status = exc.status if isinstance(exc, InvalidPost) else 409 if exc.conflict else 422
        raise Problem(status, str(exc), extra={"errors": exc.errors}) from None
    except StockChanged as exc:
        raise Problem(409, str(exc), title="The stock has changed",
                      extra={"stock": exc.now}) from None
    except InUse as exc:
        raise Problem(409, f"{exc} PATCH it with {{\"active\": false}}.") from None


def _product_or_404(slug: str) -> Product:
    return or_404(product_for_admin(slug), f"No product has the slug {slug!r}.")


@bp.get("/admin/products")
@admin_operation("adminListProducts", 200, AdminProductList, (400, 422))
def admin_products(query: AdminProductQuery):
    """Every product, active or not; ?q=, ?category=, ?active=true|false, ?low_stock=N."""
    result = search_all_products(query.q, query.category, BOOLEANS[query.active],
                                 query.low_stock, query.page, query.per_page)
    return AdminProductList.of(result, AdminProduct.of)


@bp.post("/admin/products")
@admin_operation("adminCreateProduct", 201, AdminProduct, (400, 409, 415, 422),
                 links=PRODUCT_LINKS)
def admin_product_create(json: ProductCreate):
    """Add a product: name, category and price_pence required; slug defaults from the name."""
    with refusals_as_problems():
        values = validate_product(json)
    product = create_product(values, g.api_actor, now())
    return AdminProduct.of(product), 201, {"Location": f"/api/v1/admin/products/{product.slug}"}


@bp.get("/admin/products/<slug>")
@admin_operation("adminGetProduct", 200, AdminProduct, (404,))
def admin_product(slug: str):
    """One product, active or not."""
    return AdminProduct.of(_product_or_404(slug))


@bp.patch("/admin/products/<slug>")
@admin_operation("adminUpdateProduct", 200, AdminProduct, (400, 404, 409, 415, 422, 428),
                 links=PRODUCT_LINKS)
def admin_product_update(slug: str, json: ProductPatch):
    """Change any of name, slug, description, category, price_pence, stock, active, featured.

    Read-only Product fields may be sent back as they were read: they are ignored. Orders
    reserve stock all the time, so a new `stock` needs `expected_stock` (the value you read:
    409 if it has moved, 428 if missing), or send `stock_adjustment` to add or take away.
    """
    product = _product_or_404(slug)
    with refusals_as_problems():
        values = validate_product(json, current=product)
    expected = values.pop("expected_stock", None)
    adjustment = values.pop("stock_adjustment", None)
    if "stock" in values and adjustment is not None:
        raise Problem(422, "Send either stock or stock_adjustment, not both.")
    if values.get("stock", product.stock) != product.stock and expected is None:
        raise Problem(428, "A new stock needs expected_stock, the stock you read (or send "
                      "stock_adjustment instead), so that no order's reservation is lost.",
                      title="Precondition required")
    at = now()
    with refusals_as_problems():
        update_product(product, values, g.api_actor, at, expected_stock=expected)
        if adjustment:
            adjust_stock(product, adjustment, g.api_actor, at)
    return AdminProduct.of(product)


@bp.delete("/admin/products/<slug>")
@admin_operation("adminDeleteProduct", 204, None, (404, 409))
def admin_product_delete(slug: str):
    """Delete a product nobody ordered; one that appears in orders answers 409 (deactivate it).

    A product that appears in any order is never deleted: PATCH {"active": false} instead.
    """
    product = _product_or_404(slug)
    with refusals_as_problems():
        delete_product(product, g.api_actor, now())
    return "", 204


def _post_or_404(slug: str):
    return or_404(any_post_by_slug(slug), f"No post has the slug {slug!r}.")


@bp.get("/admin/posts")
@admin_operation("adminListPosts", 200, PostList, (400, 422))
def admin_posts(query: PostQuery):
    """Every post, drafts first; ?q=, ?published=true|false."""
    result = search_posts(query.q, BOOLEANS[query.published], query.page, query.per_page)
    return PostList.of(result, Post.of)


@bp.post("/admin/posts")
@admin_operation("adminCreatePost", 201, Post, (400, 409, 415, 422), links=POST_LINKS)
def admin_post_create(json: PostCreate):
    """Add a post: title required; slug defaults from the title; a draft unless published."""
    with refusals_as_problems():
        post = save(json.model_dump(exclude_unset=True), g.api_actor, now())
    return Post.of(post), 201, {"Location": f"/api/v1/admin/posts/{post.slug}"}


@bp.patch("/admin/posts/<slug>")
@admin_operation("adminUpdatePost", 200, Post, (400, 404, 409, 415, 422), links=POST_LINKS)
def admin_post_update(slug: str, json: PostUpdate):
    """Change, publish or unpublish a post: any of its fields (url and updated_at are ignored)."""
    post = _post_or_404(slug)
    with refusals_as_problems():
        save(json.model_dump(exclude_unset=True), g.api_actor, now(), post)
    return Post.of(post)


@bp.get("/admin/posts/<slug>")
@admin_operation("adminGetPost", 200, Post, (404,))
def admin_post(slug: str):
    """One post, draft or published."""
    return Post.of(_post_or_404(slug))


@bp.delete("/admin/posts/<slug>")
@admin_operation("adminDeletePost", 204, None, (404,))
def admin_post_delete(slug: str):
    """Delete a post for good."""
    delete_post(_post_or_404(slug), g.api_actor, now())
    return "", 204


@bp.get("/admin/orders")
@admin_operation("adminListOrders", 200, AdminOrderList, (400, 422))
def admin_orders(query: AdminOrderQuery):
    """Orders, newest first; ?status=, ?q= (number or email)."""
    result = search_orders(query.q, query.status or "", query.page, query.per_page)
    return AdminOrderList.of(result, AdminOrder.of)


@bp.post("/admin/orders/<number>/refund")
@admin_operation("adminRefundOrder", 200, AdminOrder, (400, 404, 409, 415, 422),
                 body_optional=True, role="admin")
def admin_order_refund(number: str, json: Refund):
    """Refund a paid, dispatched or delivered order in full (admin role only).

    The order becomes refunded at once, its refund pending until the background jobs have
    made it through Stripe; {"restock": true} puts the items back on sale. 409 when the order
    is in another state.
    """
    order = or_404(order_by_number(number), f"No order has the number {number!r}.")
    try:
        refund(order, g.api_actor, now(), restock=json.restock)
    except OrderActionRefused as exc:
        raise Problem(409, str(exc)) from None
    return AdminOrder.of(order)
