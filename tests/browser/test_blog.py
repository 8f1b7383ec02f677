"""A reader in Chromium: from the home page's teaser to the article and on to the shop."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect

from blog.seed import seed_blog
from shop.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue")]

TITLE = "How Kefir Effects Your Mood & Mental Health"


@pytest.fixture(autouse=True)
def article(app: Flask, catalogue: None) -> None:
    with app.app_context():
        seed_blog(db.session)
        db.session.commit()


def test_reader_follows_the_teaser_to_the_article_and_on_to_a_recommended_product(
    page: Page, live_server: str
):
    problems: list[str] = []

    def note_errors(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", note_errors)
    page.goto(live_server + "/")
    teaser = page.get_by_role("region", name="From the blog")
    teaser.get_by_role("link", name=TITLE, exact=True).click()

    expect(page).to_have_url(f"{live_server}/blog/how-kefir-effects-your-mood-and-mental-health")
    expect(page).to_have_title(f"{TITLE} | Kefir Shop")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    references = page.locator(".post-body ol > li")
    expect(references).to_have_count(5)
    expect(references.first).to_contain_text("American Association for the Advancement")
    structured = json.loads(page.locator('script[type="application/ld+json"]').first.text_content())
    assert structured["headline"] == TITLE

    strip = page.get_by_role("region", name="Shop the kefir")
    expect(strip.locator(".card")).to_have_count(3)
    strip.get_by_role("link", name="Milk Kefir Starter Kit").click()

    expect(page).to_have_url(f"{live_server}/products/milk-kefir-starter-kit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Milk Kefir Starter Kit")
    expect(page.locator(".price")).to_have_text("£24.95")
    # The JSON-LD block is data, not script: the CSP has nothing to refuse on the way.
    assert problems == []


def test_reader_filters_the_blog_by_a_tag(page: Page, live_server: str):
    page.goto(live_server + "/blog/")
    page.get_by_role("navigation", name="Topics").get_by_role("link", name="Science").click()
    expect(page).to_have_url(f"{live_server}/blog/?tag=science")
    expect(page.get_by_role("heading", level=1)).to_have_text("Posts about Science")
    expect(page.locator(".post-summary")).to_have_count(1)


def test_article_reads_comfortably_on_a_phone_without_sideways_scrolling(
    page: Page, live_server: str
):
    page.goto(live_server + "/blog/how-kefir-effects-your-mood-and-mental-health")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
