"""A customer's browser: Debian's Chromium driven by Playwright against a live server."""

from datetime import datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from shop.clock import FixedClock
from shop.domain import LONDON

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue")]


def test_customer_follows_a_product_from_the_home_page_and_reads_its_price_and_stock(
    page: Page, live_server: str
):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Live Milk Kefir Grains").first.click()
    expect(page).to_have_url(f"{live_server}/products/live-milk-kefir-grains")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live Milk Kefir Grains")
    expect(page.locator(".price")).to_have_text("£12.00")
    expect(page.locator(".stock")).to_have_text("In stock")


def test_customer_filters_the_catalogue_by_category_and_pages_through(page: Page, live_server: str):
    page.goto(live_server + "/products/")
    categories = page.get_by_role("navigation", name="Categories")
    categories.get_by_role("link", name="Water kefir").click()
    expect(page.locator(".card")).to_have_count(5)
    page.goto(live_server + "/products/")
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")


def chat_indicator(page: Page, live_server: str, clock: FixedClock, at: datetime) -> Locator:
    """The home page's chat indicator, with the server's and the page's clocks at `at`: the
    page's script would otherwise flip the indicator to what the machine's own clock says."""
    clock.at = at
    page.clock.install(time=at)
    page.goto(live_server + "/")
    return page.locator("[data-chat-status]")


def test_chat_indicator_reads_the_server_clock(page: Page, live_server: str, clock):
    at = datetime(2026, 11, 25, 19, 0, tzinfo=LONDON)
    indicator = chat_indicator(page, live_server, clock, at)
    expect(indicator).to_have_attribute("data-chat-status", "online")
    expect(indicator).to_contain_text("online now, until 8pm")


def test_chat_indicator_flips_at_eight_pm_without_a_reload(page: Page, live_server: str, clock):
    at = datetime(2026, 11, 25, 19, 59, 50, tzinfo=LONDON)
    indicator = chat_indicator(page, live_server, clock, at)
    expect(indicator).to_have_attribute("data-chat-status", "online")
    page.clock.run_for(15_000)
    expect(indicator).to_have_attribute("data-chat-status", "offline")
    expect(indicator).to_contain_text("opens 8am tomorrow")


def test_chat_indicator_flips_online_at_eight_am(page: Page, live_server: str, clock):
    at = datetime(2026, 11, 26, 7, 59, 58, tzinfo=LONDON)
    indicator = chat_indicator(page, live_server, clock, at)
    expect(indicator).to_contain_text("opens 8am")
    page.clock.run_for(5_000)
    expect(indicator).to_have_attribute("data-chat-status", "online")
    expect(indicator).to_contain_text("online now, until 8pm")
