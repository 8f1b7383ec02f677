"""Products: list with filters, create, edit (price, stock, image), deactivate, delete."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from shop.admin import bp, images
from shop.admin.audit import history
from shop.admin.auth import web_actor
from shop.admin.catalogue import (
    StockChanged,
    adjust_stock,
    create_product,
    delete_product,
    ever_ordered,
    search_all_products,
    set_image,
    update_product,
    validate_product,
)
from shop.admin.validation import Invalid
from shop.admin.views.forms import delete_unless_used, done, page_number, ticked, whole_number
from shop.catalogue.queries import categories
from shop.domain.money import parse_pounds, pounds_input
from shop.extensions import db
from shop.models import Product
from shop.web import now


def _product_or_404(product_id: int) -> Product:
    return db.get_or_404(Product, product_id, description="There is no such product.")


def _page(product: Product) -> str:
    return url_for("admin.product_edit", product_id=product.id)


def _submitted(form: MultiDict, editing: bool) -> tuple[dict, dict[str, str]]:
    """Turn the form's strings into the values validate_product takes (pence, ints, bools)."""
    errors: dict[str, str] = {}
    data: dict = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "category": form.get("category", ""),
        "active": form.get("active") == "1",
        "featured": form.get("featured") == "1",
        "perishable": form.get("perishable") == "1",
    }
    slug = form.get("slug", "").strip()
    if slug or editing:
        data["slug"] = slug
    try:
        data["price_pence"] = parse_pounds(form.get("price", ""))
    except ValueError:
        errors["price_pence"] = "must be in pounds and pence, such as 12.50."
    stock = whole_number(form.get("stock", "0") or "0", "stock", errors)
    if stock is not None:
        data["stock"] = stock
    return data, errors


def _uploaded_image(errors: dict[str, str]) -> tuple[images.Processed, bytes] | None:
    """The accepted image of the form, None without one; a refusal goes into `errors`."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return None
    data = upload.read()
    try:
        return images.check(data), data
    except images.ImageRejected as exc:
        errors["image"] = str(exc)
        return None


def _read_form(
    product: Product | None,
) -> tuple[dict, tuple[images.Processed, bytes] | None, dict, dict[str, str]]:
    """The posted product form, for a new product or `product`: the checked values, the
    accepted image, what to show in the form again, and the errors (empty when it may be
    saved)."""
    data, errors = _submitted(request.form, editing=product is not None)
    if product is not None and not data.get("slug"):
        data.pop("slug", None)  # an emptied slug keeps the product's own
    values: dict = {}
    try:
        values = validate_product(data, current=product)
    except Invalid as exc:
        errors = exc.errors | errors
    image = _uploaded_image(errors)
    shown = request.form.to_dict() | _ticks(data)
    return values, image, shown, errors


def _form(product: Product | None, values: dict, errors: dict[str, str], status: int = 200):
    return (
        render_template(
            "admin/products/form.html",
            product=product,
            values=values,
            errors=errors,
            categories=categories(),
            history=history("product", product.slug) if product else [],
            ever_ordered=ever_ordered(product) if product else False,
        ),
        status,
    )


def _ticks(data: dict) -> dict:
    """The form's checkboxes as booleans, to show them again as they were ticked."""
    return {name: data[name] for name in ("active", "featured", "perishable")}


def _values_of(product: Product) -> dict:
    return {
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "category": product.category.slug,
        "price": pounds_input(product.price_pence),
        "stock": product.stock,
        "active": product.active,
        "featured": product.featured,
        "perishable": product.perishable,
    }


@bp.get("/products/")
def products():
    """Every product, with search and filters for category, active state and low stock."""
    args = request.args
    active = {"1": True, "0": False}.get(args.get("active", ""))
    low = args.get("low") == "1"
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    q = args.get("q", "").strip()[:200]
    result = search_all_products(
        q, args.get("category", ""), active, threshold if low else None, page_number()
    )
    return render_template(
        "admin/products/list.html",
        result=result,
        categories=categories(),
        q=q,
        category=args.get("category", ""),
        active=args.get("active", ""),
        low=low,
        threshold=threshold,
    )


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    """Add a product, with an optional image."""
    if request.method == "GET":
        return _form(None, {"active": True, "stock": 0}, {})
    values, image, form_values, errors = _read_form(None)
    if errors:
        return _form(None, form_values, errors, 422)
    product = create_product(values, web_actor(), now())
    if image:
        set_image(product, images.save(product, *image), web_actor(), now())
    return done(f"{product.name} was added.", _page(product))


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    """Change a product: details, price, stock and image."""
    product = _product_or_404(product_id)
    if request.method == "GET":
        return _form(product, _values_of(product), {})
    expected = whole_number(request.form.get("stock_was", ""), "stock", {})
    values, image, form_values, errors = _read_form(product)
    if errors:
        return _form(product, form_values, errors, 422)
    try:
        update_product(product, values, web_actor(), now(), expected_stock=expected)
    except StockChanged as exc:
        form_values["stock_was"] = exc.now
        return _form(product, form_values, {"stock": str(exc)}, 409)
    if image:
        set_image(product, images.save(product, *image), web_actor(), now())
    return done(f"{product.name} was saved.", _page(product))


@bp.post("/products/<int:product_id>/stock")
def product_stock(product_id: int):
    """Add or take away units, e.g. +24 when a delivery arrives, -2 for breakages."""
    product = _product_or_404(product_id)
    errors: dict[str, str] = {}
    delta = whole_number(request.form.get("adjust", ""), "adjust", errors, signed=True)
    if delta is None:
        flash("Type the number of units to add, such as 12, or to take away, such as -3.", "error")
    else:
        try:
            stock = adjust_stock(product, delta, web_actor(), now())
            flash(f"{product.name}: stock is now {stock}.", "success")
        except Invalid as exc:
            flash(f"Stock {exc.errors['stock']}", "error")
    return redirect(_page(product), 303)


@bp.post("/products/<int:product_id>/delete")
def product_delete(product_id: int):
    """Delete a product nobody has ordered; ordered ones can only be deactivated."""
    product = _product_or_404(product_id)
    return delete_unless_used(delete_product, product, product.name, _page, "admin.products")


@bp.post("/products/<int:product_id>/active")
def product_active(product_id: int):
    """Deactivate (hide from the shop) or reactivate a product."""
    product = _product_or_404(product_id)
    active = ticked("active")
    update_product(product, {"active": active}, web_actor(), now())
    shown = "back on sale" if active else "hidden from the shop"
    return done(f"{product.name} is {shown}.", _page(product))
