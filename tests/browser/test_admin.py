"""Staff in a real browser: sign in, add a product with a photo, see it for sale, dispatch."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, place_paid_order

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue")]


def photo() -> bytes:
    picture = Image.new("RGB", (1200, 900), (245, 240, 228))
    ImageDraw.Draw(picture).ellipse((300, 150, 900, 750), fill=(250, 250, 245), outline="green")
    out = BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/admin/")
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()


def test_staff_add_a_product_with_a_photo_and_customers_see_it(
    page: Page, live_server: str, staff_user: str
):
    sign_in(page, live_server, staff_user)
    page.get_by_role("link", name="Add a product").click()
    page.get_by_label("Name").fill("Kefir Cheese 200g")
    page.get_by_label("Category").select_option(label="Milk kefir")
    page.get_by_label("Price (£, VAT included)").fill("6.50")
    page.get_by_label("Stock (units free to sell)").fill("12")
    page.get_by_label("Description").fill("Soft, tangy and spreadable.")
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "cheese.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    page.get_by_role("button", name="Add product").click()
    expect(page.locator(".flash-success")).to_contain_text("Kefir Cheese 200g was added")
    expect(page.get_by_alt_text("Current photo of Kefir Cheese 200g")).to_be_visible()

    page.get_by_role("link", name="View in the shop").click()
    expect(page).to_have_url(f"{live_server}/products/kefir-cheese-200g")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kefir Cheese 200g")
    expect(page.locator(".product-info .price")).to_have_text("£6.50")
    image = page.locator("img.product-image")
    expect(image).to_have_attribute("src", "/static/uploads/products/kefir-cheese-200g-"
                                    + image.get_attribute("src").split("kefir-cheese-200g-")[1])
    assert "1024w" in image.get_attribute("srcset")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.usefixtures("stripe_webhooks")
def test_staff_mark_a_paid_order_dispatched(page: Page, live_server: str, app, clock, staff_user):
    number = place_paid_order(app, clock, {"kefir-soap-bar": 2})
    sign_in(page, live_server, staff_user)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Orders").click()
    page.get_by_label("Status").select_option("paid")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    page.get_by_role("button", name="Mark dispatched").click()
    expect(page.locator(".flash-success")).to_contain_text("marked dispatched")
    expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status", "dispatched")
    expect(page.get_by_role("button", name="Mark delivered")).to_be_visible()
