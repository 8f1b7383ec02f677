"""Staff manage products: filters, create, edit price and stock, images, deactivate, delete."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from shop.admin.models import AuditEntry
from shop.extensions import db
from shop.models import Product
from tests.factories import form_csrf_token, place_paid_order

pytestmark = pytest.mark.usefixtures("catalogue")

NEW = {
    "name": "Kefir Cheese 200g",
    "slug": "",
    "category": "milk-kefir",
    "price": "6.50",
    "stock": "12",
    "description": "Soft, tangy and spreadable.",
    "active": "1",
}


def product(app: Flask, slug: str) -> Product:
    with app.app_context():
        item = db.session.scalar(select(Product).where(Product.slug == slug))
        if item is not None:
            db.session.expunge(item)
        return item


def product_id(app: Flask, slug: str) -> int:
    return product(app, slug).id


def count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Product))


def edit_form(client: FlaskClient, app: Flask, slug: str, **changes) -> dict:
    """The edit form as the page fills it, with `changes` typed in."""
    item = product(app, slug)
    with app.app_context():
        category = db.session.get(Product, item.id).category.slug
    form = {"name": item.name, "slug": item.slug, "category": category,
            "price": f"{item.price_pence // 100}.{item.price_pence % 100:02d}",
            "stock": str(item.stock), "stock_was": str(item.stock),
            "description": item.description, "active": "1" if item.active else "",
            "featured": "1" if item.featured else "",
            "csrf_token": form_csrf_token(client, f"/admin/products/{item.id}")}
    return form | changes


def jpeg(width: int = 1600, height: int = 1200) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions: the classic image bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def stored_files(app: Flask) -> list[Path]:
    roots = [Path(app.config["UPLOADS_DIR"]), Path(app.instance_path) / "originals"]
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_every_product_with_price_and_stock(staff_client: FlaskClient):
    html = staff_client.get("/admin/products/").get_data(as_text=True)
    assert "21 products" in html
    assert "Live Milk Kefir Grains" in html and "£12.00" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=GOATS", {"goats-milk-kefir-500ml"}),
        ("q=ginger", {"ginger-lemon-water-kefir-330ml", "water-kefir-mixed-case-12"}),
        ("category=grains-starter-kits&q=water", {"live-water-kefir-grains",
                                                  "water-kefir-starter-kit"}),
        ("low=1", {"kefir-recipe-book", "kefir-skyr-style-450g"}),
        ("low=1&category=milk-kefir", {"kefir-skyr-style-450g"}),
    ],
)
def test_the_list_searches_and_filters(staff_client: FlaskClient, query, expected):
    html = staff_client.get(f"/admin/products/?{query}").get_data(as_text=True)
    assert set(_slugs(html)) == expected


def test_the_list_filters_inactive_products(app, staff_client: FlaskClient):
    pid = product_id(app, "kefir-soap-bar")
    staff_client.post(f"/admin/products/{pid}/active",
                      data={"active": "0", "csrf_token": form_csrf_token(staff_client, "/admin/")})
    assert _slugs(staff_client.get("/admin/products/?active=0").get_data(as_text=True)) == [
        "kefir-soap-bar"
    ]
    assert "kefir-soap-bar" not in _slugs(
        staff_client.get("/admin/products/?active=1").get_data(as_text=True)
    )


def _slugs(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-slug="([^"]+)"', html)


# --- Create and edit -------------------------------------------------------------------------


def test_staff_add_a_product_that_the_shop_then_sells(app, staff_client: FlaskClient, client):
    data = NEW | {"csrf_token": form_csrf_token(staff_client, "/admin/products/new")}
    response = staff_client.post("/admin/products/new", data=data)
    assert response.status_code == 303
    added = product(app, "kefir-cheese-200g")
    assert (added.price_pence, added.stock, added.active) == (650, 12, True)
    assert response.location == f"/admin/products/{added.id}"
    page = client.get("/products/kefir-cheese-200g").get_data(as_text=True)
    assert "Kefir Cheese 200g" in page and "£6.50" in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.create"))
        assert entry.actor == "packer@kefirshop.example" and entry.changes["price_pence"] == 650


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name is required"),
        ("price", "12.505", "The price must be in pounds and pence"),
        ("price", "-1", "The price must be in pounds and pence"),
        ("price", "0", "The price must be between £0.01 and £10,000.00"),
        ("stock", "-3", "Stock must be a whole number"),
        ("stock", "lots", "must be a whole number"),
        ("category", "cheese", "is not a category"),
        ("slug", "Not A Slug", "lower-case letters"),
        ("slug", "kefir-soap-bar", "already used by another product"),
    ],
)
def test_invalid_product_values_are_refused_with_a_message_and_nothing_saved(
    app, staff_client: FlaskClient, field, value, message
):
    data = NEW | {field: value, "csrf_token": form_csrf_token(staff_client, "/admin/products/new")}
    response = staff_client.post("/admin/products/new", data=data)
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert count(app) == 21


def test_a_price_change_is_saved_in_pence_and_audited(app, staff_client: FlaskClient):
    pid = product_id(app, "live-milk-kefir-grains")
    response = staff_client.post(f"/admin/products/{pid}",
                                 data=edit_form(staff_client, app, "live-milk-kefir-grains",
                                                price="13.49"))
    assert response.status_code == 303
    assert product(app, "live-milk-kefir-grains").price_pence == 1349
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.price"))
        assert entry.changes == {"price_pence": [1200, 1349]}
    html = staff_client.get(f"/admin/products/{pid}").get_data(as_text=True)
    assert "£12.00 → £13.49" in html


def test_a_stock_change_made_meanwhile_by_an_order_is_not_overwritten(
    app, staff_client: FlaskClient
):
    form = edit_form(staff_client, app, "kefir-soap-bar", stock="50")
    with app.app_context():  # a customer buys two while the form is open
        soap = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        soap.stock -= 2
        db.session.commit()
    pid = product_id(app, "kefir-soap-bar")
    response = staff_client.post(f"/admin/products/{pid}", data=form)
    assert response.status_code == 409
    assert "The stock changed to 38" in response.get_data(as_text=True)
    assert product(app, "kefir-soap-bar").stock == 38


def test_saving_other_fields_leaves_stock_moved_by_orders_alone(app, staff_client: FlaskClient):
    form = edit_form(staff_client, app, "kefir-soap-bar", name="Kefir Soap")
    with app.app_context():
        soap = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        soap.stock -= 2
        db.session.commit()
    staff_client.post(f"/admin/products/{product_id(app, 'kefir-soap-bar')}", data=form)
    saved = product(app, "kefir-soap-bar")
    assert (saved.name, saved.stock) == ("Kefir Soap", 38)


def test_stock_is_adjusted_up_and_down_but_never_below_zero(app, staff_client: FlaskClient):
    pid = product_id(app, "kefir-recipe-book")  # 3 in stock
    token = form_csrf_token(staff_client, f"/admin/products/{pid}")
    staff_client.post(f"/admin/products/{pid}/stock", data={"adjust": "+24", "csrf_token": token})
    assert product(app, "kefir-recipe-book").stock == 27
    staff_client.post(f"/admin/products/{pid}/stock", data={"adjust": "-7", "csrf_token": token})
    assert product(app, "kefir-recipe-book").stock == 20
    response = staff_client.post(f"/admin/products/{pid}/stock",
                                 data={"adjust": "-21", "csrf_token": token}, follow_redirects=True)
    assert "cannot go below zero" in response.get_data(as_text=True)
    assert product(app, "kefir-recipe-book").stock == 20
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEntry.changes).where(AuditEntry.action == "product.stock")
            .order_by(AuditEntry.id)
        ).all()
        assert changes == [{"stock": [3, 27], "adjusted_by": 24},
                           {"stock": [27, 20], "adjusted_by": -7}]


def test_a_deactivated_product_leaves_the_shop_and_can_come_back(
    app, staff_client: FlaskClient, client: FlaskClient
):
    pid = product_id(app, "kefir-soap-bar")
    token = form_csrf_token(staff_client, "/admin/")
    staff_client.post(f"/admin/products/{pid}/active", data={"active": "0", "csrf_token": token})
    assert client.get("/products/kefir-soap-bar").status_code == 404
    assert client.get("/api/v1/products/kefir-soap-bar").status_code == 404
    staff_client.post(f"/admin/products/{pid}/active", data={"active": "1", "csrf_token": token})
    assert client.get("/products/kefir-soap-bar").status_code == 200


def test_a_product_never_ordered_can_be_deleted(app, staff_client: FlaskClient):
    pid = product_id(app, "kefir-soap-bar")
    response = staff_client.post(f"/admin/products/{pid}/delete",
                                 data={"csrf_token": form_csrf_token(staff_client, "/admin/")})
    assert response.status_code == 303 and response.location == "/admin/products/"
    assert product(app, "kefir-soap-bar") is None


@pytest.mark.usefixtures("stripe_webhooks")
def test_an_ordered_product_is_never_deleted_only_deactivated(app, clock, staff_client):
    place_paid_order(app, clock, {"kefir-soap-bar": 1})
    pid = product_id(app, "kefir-soap-bar")
    page = staff_client.get(f"/admin/products/{pid}").get_data(as_text=True)
    assert "/delete" not in page
    response = staff_client.post(f"/admin/products/{pid}/delete",
                                 data={"csrf_token": form_csrf_token(staff_client, "/admin/")},
                                 follow_redirects=True)
    assert "cannot be deleted: deactivate it instead" in response.get_data(as_text=True)
    assert product(app, "kefir-soap-bar") is not None


def test_unknown_products_are_404(staff_client: FlaskClient):
    assert staff_client.get("/admin/products/9999").status_code == 404


# --- Images ----------------------------------------------------------------------------------


def _upload(client: FlaskClient, app: Flask, slug: str, data: bytes, filename: str):
    form = edit_form(client, app, slug)
    form["image"] = (BytesIO(data), filename)
    return client.post(f"/admin/products/{product_id(app, slug)}", data=form,
                       content_type="multipart/form-data")


def test_an_uploaded_photo_is_resized_into_webp_sizes_and_its_original_kept_privately(
    app, staff_client: FlaskClient, client: FlaskClient
):
    response = _upload(staff_client, app, "kefir-soap-bar", jpeg(1600, 1200), "soap.jpg")
    assert response.status_code == 303
    image = product(app, "kefir-soap-bar").image
    assert image.startswith("uploads/products/kefir-soap-bar-") and image.endswith("-640.webp")
    stem = image.removesuffix("-640.webp")
    for width in (320, 640, 1024):
        with client.get(f"/static/{stem}-{width}.webp") as served:
            assert served.status_code == 200
            data = served.data
        with Image.open(BytesIO(data)) as picture:
            assert picture.format == "WEBP" and picture.size == (width, width * 3 // 4)
    originals = list((Path(app.instance_path) / "originals" / "products").glob("*.jpg"))
    assert len(originals) == 1 and originals[0].read_bytes()[:3] == b"\xff\xd8\xff"
    assert client.get(f"/static/{stem.replace('uploads/', 'originals/')}.jpg").status_code == 404
    page = client.get("/products/kefir-soap-bar").get_data(as_text=True)
    assert f"/static/{image}" in page and f"/static/{stem}-1024.webp 1024w" in page


def test_a_small_photo_is_never_upscaled(app, staff_client: FlaskClient, client: FlaskClient):
    _upload(staff_client, app, "kefir-soap-bar", jpeg(500, 500), "small.jpeg")
    stem = product(app, "kefir-soap-bar").image.removesuffix("-640.webp")
    with client.get(f"/static/{stem}-1024.webp") as served, Image.open(BytesIO(served.data)) as im:
        assert im.size == (500, 500)


def test_a_png_with_transparency_and_a_webp_are_accepted(app, staff_client: FlaskClient):
    for kind, mode in [("PNG", "RGBA"), ("WEBP", "RGB")]:
        out = BytesIO()
        Image.new(mode, (800, 800), (10, 120, 60, 128)[: len(mode)]).save(out, kind)
        assert _upload(staff_client, app, "kefir-soap-bar", out.getvalue(), "x").status_code == 303


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"This is a shopping list, not a photo.\n" * 50, "photo.jpg", "not a JPEG, PNG or WebP"),
        (png_header(50_000, 50_000), "bomb.png", "too many pixels"),
        (png_header(7_000, 6_500), "big.png", "too many pixels"),
        (b"GIF89a" + b"\x00" * 100, "anim.gif", "not a JPEG, PNG or WebP"),
        (jpeg()[:400], "cut.jpg", "damaged"),
    ],
    ids=["text-named-jpg", "image-bomb", "over-40-megapixels", "gif", "truncated"],
)
def test_an_upload_that_is_not_a_sane_image_is_refused_and_nothing_is_stored(
    app, staff_client: FlaskClient, data, filename, message
):
    before = product(app, "kefir-soap-bar")
    response = _upload(staff_client, app, "kefir-soap-bar", data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored_files(app) == []
    assert product(app, "kefir-soap-bar").image == before.image


def test_a_new_product_with_a_refused_image_is_not_created(app, staff_client: FlaskClient):
    data = NEW | {"csrf_token": form_csrf_token(staff_client, "/admin/products/new"),
                  "image": (BytesIO(b"not an image"), "cheese.png")}
    response = staff_client.post("/admin/products/new", data=data,
                                 content_type="multipart/form-data")
    assert response.status_code == 422 and "not a JPEG, PNG or WebP" in response.get_data(True)
    assert count(app) == 21 and stored_files(app) == []


def test_a_twenty_megabyte_upload_gets_a_clear_message_and_nothing_is_stored(
    app, staff_client: FlaskClient
):
    from werkzeug.test import encode_multipart

    form = edit_form(staff_client, app, "kefir-soap-bar")
    # Encoded here, in memory: the test client would spool it to a temporary file that the
    # refused request never reads, and so never closes.
    boundary, body = encode_multipart(
        form | {"image": FileStorage(BytesIO(b"\xff" * (20 * 1024 * 1024)), "huge.jpg")}
    )
    response = staff_client.post(f"/admin/products/{product_id(app, 'kefir-soap-bar')}", data=body,
                                 content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "That file is too large" in body and "16 MB" in body
    assert "Staff sign in" not in body  # a friendly admin page, not a bounce to the sign-in
    assert stored_files(app) == []


def test_a_new_product_with_a_photo_gets_its_sizes(app, staff_client: FlaskClient):
    data = NEW | {"csrf_token": form_csrf_token(staff_client, "/admin/products/new"),
                  "image": (BytesIO(jpeg(1200, 1200)), "cheese.jpg")}
    response = staff_client.post("/admin/products/new", data=data,
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    assert product(app, "kefir-cheese-200g").image.endswith("-640.webp")
    assert len([p for p in stored_files(app) if p.suffix == ".webp"]) == 3
