"""The information pages and their editor in a real browser: a phone visitor finds them from
the footer, staff edit one with a preview and restore an earlier revision."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from shop.extensions import db
from shop.pages.seed import seed_pages
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue", "pages")]


@pytest.fixture
def pages(app: Flask, clock) -> None:
    """The information pages as seed-demo loads them."""
    with app.app_context():
        seed_pages(db.session, clock.now())
        db.session.commit()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page, as staff use the back office."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_phone_visitor_finds_delivery_and_returns_from_the_footer(page: Page, live_server: str):
    page.goto(live_server + "/products/live-milk-kefir-grains")
    footer = page.get_by_role("navigation", name="Shop information")
    footer.get_by_role("link", name="Delivery").click()
    expect(page).to_have_url(f"{live_server}/delivery")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery")
    expect(page.locator(".page-body")).to_contain_text("next-day delivery costs £3.95")
    page.get_by_role("link", name="Returns and refunds").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Returns and refunds")
    expect(page.locator(".page-body")).to_contain_text("regulation 28(1)(b)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows


def test_a_lost_visitor_searches_from_the_404_page(page: Page, live_server: str):
    page.goto(live_server + "/products/old-kefir-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn’t find that page")
    page.get_by_label("Search the shop").fill("grains")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server}/products/?q=grains")
    expect(page.locator(".card").first).to_be_visible()


def test_staff_edit_a_page_with_a_preview_then_restore_the_first_revision(
    desktop: Page, page: Page, live_server: str, staff_user: str
):
    desktop.goto(live_server + "/admin/login")
    desktop.get_by_label("Email").fill(staff_user)
    desktop.get_by_label("Password").fill(PASSWORD)
    desktop.get_by_role("button", name="Sign in").click()
    desktop.get_by_role("link", name="Pages").click()
    desktop.get_by_role("link", name="Frequently asked questions").click()

    text = desktop.get_by_label("Text, in Markdown")
    text.fill(text.input_value() + "\n### Can I freeze kefir?\n\nNot above {{ delivery.fee }}.\n")
    desktop.get_by_role("button", name="Preview").click()
    expect(desktop.locator("[data-preview]")).to_contain_text("Not above £3.95.")
    desktop.get_by_role("button", name="Save as revision 2").click()
    expect(desktop.locator(".flash-success")).to_contain_text("saved as revision 2")

    page.goto(live_server + "/faq")
    expect(page.get_by_role("heading", name="Can I freeze kefir?")).to_be_visible()

    desktop.get_by_role("link", name="Revision 1", exact=True).click()
    expect(desktop.locator(".markdown-source")).not_to_contain_text("Can I freeze kefir?")
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.get_by_role("button", name="Restore this revision").click()
    expect(desktop.locator(".flash-success")).to_contain_text("restored as revision 3")
    expect(desktop.locator('[data-revision="3"]')).to_contain_text("restored revision 1")

    page.reload()
    expect(page.get_by_role("heading", name="Can I freeze kefir?")).to_have_count(0)
