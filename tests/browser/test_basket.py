"""A customer fills a basket on a phone: with JavaScript (fetch, no reloads) and without it."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue")]

GRAINS = "Live Milk Kefir Grains"  # £12.00
GINGER = "Ginger & Lemon Water Kefir 330ml"  # £2.75


def header_count(page: Page):
    return page.get_by_role("navigation", name="Main").locator("[data-basket-count]")


def test_customer_adds_two_products_raises_one_to_free_delivery_and_removes_the_other(
    page: Page, live_server: str
):
    page.goto(f"{live_server}/products/live-milk-kefir-grains")
    expect(page.locator("[data-delivery-estimate]")).to_have_text(
        "Order within 2 h 15 min for delivery on Thursday 26 November"
    )
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name=f"Add to basket: {GRAINS}").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text(
        f"Added 1 × {GRAINS} to your basket."
    )
    expect(header_count(page)).to_have_text("1")
    expect(page.locator(".free-delivery-message")).to_have_text(
        "Add £13.01 more for FREE next-day delivery"
    )
    assert page.evaluate("window.stillTheSamePage") is True  # fetch, not a reload

    page.goto(f"{live_server}/products/")
    page.get_by_role("button", name=f"Add to basket: {GINGER}").click()
    expect(header_count(page)).to_have_text("2")
    page.get_by_role("link", name="View basket").click()

    expect(page).to_have_url(f"{live_server}/basket")
    summary = page.get_by_role("region", name="Order summary")
    message = page.locator(".free-delivery-message")
    bar = page.get_by_role("progressbar")
    expect(summary.locator("[data-delivery]")).to_have_text("£3.95")
    expect(message).to_have_text("Add £10.26 more for FREE next-day delivery")
    expect(bar).to_have_attribute("value", "1475")
    expect(bar).to_have_accessible_name("Add £10.26 more for FREE next-day delivery")
    page.evaluate("window.stillTheSamePage = true")

    more = page.get_by_role("button", name=f"One more {GINGER}")
    for quantity, words in [(2, "Add £7.51 more"), (3, "Add £4.76 more"), (4, "Add £2.01 more")]:
        more.click()
        expect(page.get_by_label(f"Quantity of {GINGER}")).to_have_value(str(quantity))
        expect(message).to_contain_text(words)
        expect(summary.locator("[data-delivery]")).to_have_text("£3.95")
    more.click()
    expect(summary.locator("[data-delivery]")).to_have_text("FREE")
    expect(message).to_have_text("Your basket qualifies for FREE next-day delivery")
    expect(bar).to_have_attribute("value", "2501")
    expect(summary.locator("[data-total]")).to_have_text("£25.75")
    expect(header_count(page)).to_have_text("6")
    expect(more).to_be_focused()  # the swap keeps the customer's place

    page.get_by_role("button", name=f"Remove {GRAINS}").click()
    expect(page.locator("[data-line]")).to_have_count(1)
    expect(page.locator("[data-flashes]")).to_have_text(f"Removed {GRAINS} from your basket.")
    expect(header_count(page)).to_have_text("5")
    expect(summary.locator("[data-delivery]")).to_have_text("£3.95")
    expect(message).to_have_text("Add £11.26 more for FREE next-day delivery")
    assert page.evaluate("window.stillTheSamePage") is True

    page.reload()  # the basket lives on the server, under the cookie
    expect(page.get_by_label(f"Quantity of {GINGER}")).to_have_value("5")


def test_typing_a_quantity_updates_the_basket_when_the_field_is_left(page: Page, live_server: str):
    page.goto(f"{live_server}/products/live-milk-kefir-grains")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name=f"Add to basket: {GRAINS}").click()
    expect(header_count(page)).to_have_text("2")
    page.goto(f"{live_server}/basket")
    field = page.get_by_label(f"Quantity of {GRAINS}")
    field.fill("40")  # only 35 in stock
    field.press("Enter")
    expect(page.locator("[data-flashes]")).to_contain_text("only 35 left")
    expect(field).to_have_value("2")
    field.fill("3")
    field.press("Tab")
    expect(page.locator("[data-subtotal]")).to_have_text("£36.00")
    expect(header_count(page)).to_have_text("3")


def test_the_delivery_countdown_ticks_and_rolls_over_at_the_cut_off(
    page: Page, live_server: str, clock
):
    page.clock.install(time=clock.at)
    page.goto(f"{live_server}/products/live-milk-kefir-grains")
    estimate = page.locator("[data-delivery-estimate]")
    expect(estimate).to_have_text("Order within 2 h 15 min for delivery on Thursday 26 November")
    page.clock.run_for("01:00")
    expect(estimate).to_have_text("Order within 2 h 14 min for delivery on Thursday 26 November")
    page.clock.run_for("02:14:00")
    expect(estimate).to_contain_text("for delivery on Friday 27 November")


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_basket_works_without_javascript(page_without_js: Page, live_server: str):
    page = page_without_js
    page.goto(f"{live_server}/products/live-milk-kefir-grains")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name=f"Add to basket: {GRAINS}").click()
    expect(page).to_have_url(f"{live_server}/basket")
    expect(page.locator("[data-flashes]")).to_have_text(f"Added 2 × {GRAINS} to your basket.")
    expect(page.locator(".free-delivery-message")).to_have_text(
        "Add £1.01 more for FREE next-day delivery"
    )
    page.get_by_role("button", name=f"One more {GRAINS}").click()
    expect(page.locator("[data-delivery]")).to_have_text("FREE")
    expect(header_count(page)).to_have_text("3")
    page.get_by_label(f"Quantity of {GRAINS}").fill("1")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("[data-subtotal]")).to_have_text("£12.00")
    page.get_by_role("button", name=f"Remove {GRAINS}").click()
    expect(page.get_by_text("Your basket is empty.")).to_be_visible()
    expect(header_count(page)).to_have_text("0")
