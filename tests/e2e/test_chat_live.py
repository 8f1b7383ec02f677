"""Live chat across two app servers sharing PostgreSQL and Redis, in a real browser.

The customer is on one server, the staff member on the other; each server runs its own
stream service (scripts/serve.sh starts it beside the storefront, as `make run` does).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from shop import create_app
from shop.catalogue.seed import seed_catalogue
from shop.extensions import db
from tests.factories import PASSWORD, STAFF_EMAIL, TEST_SECRET_KEY, create_account
from tests.machine import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def chat_database(postgres_url: str) -> Iterator[str]:
    """The shared database: the shop's tables, the demo catalogue and a staff account."""
    app = create_app({"SECRET_KEY": TEST_SECRET_KEY, "DATABASE_URL": postgres_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_catalogue(db.session)
        db.session.commit()
    create_account(app, STAFF_EMAIL, "staff")
    yield postgres_url
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def two_servers(serve: Callable[..., str], chat_database: str, redis_url: str) -> tuple[str, str]:
    """Two app servers, each with its own stream service, on one database and one Redis."""
    settings = {
        "DATABASE_URL": chat_database,
        "REDIS_URL": redis_url,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "CHAT_HOURS": "00:00-23:59",
    }
    return (serve({**settings, "CHAT_STREAM_PORT": str(free_port())}),
            serve({**settings, "CHAT_STREAM_PORT": str(free_port())}))


def never_reloads(page: Page) -> Callable[[], None]:
    """Mark the page; the returned check fails if the page was reloaded or left since."""
    page.evaluate("window.__stillHere = true")
    return lambda: expect_true(page.evaluate("window.__stillHere === true"))


def expect_true(value: bool) -> None:
    assert value, "the page was reloaded"


def test_a_customer_and_staff_on_different_servers_chat_in_real_time(
    browser: Browser, two_servers: tuple[str, str]
):
    shop_server, admin_server = two_servers
    staff = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    customer = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    for context in (staff, customer):
        context.set_default_timeout(10_000)
    try:
        inbox = staff.new_page()
        inbox.goto(f"{admin_server}/admin/login")
        inbox.fill("input[name=email]", STAFF_EMAIL)
        inbox.fill("input[name=password]", PASSWORD)
        inbox.click("form button[type=submit]")
        inbox.goto(f"{admin_server}/admin/chat/")
        expect(inbox.locator("[data-live-state]")).to_have_text("Live updates on")
        staff_stays = never_reloads(inbox)

        # The customer opens the chat from the header, by keyboard alone.
        shop = customer.new_page()
        shop.goto(f"{shop_server}/products/")
        shop.locator("[data-chat-open]").focus()
        shop.keyboard.press("Enter")
        dialog = shop.get_by_role("dialog", name="Chat with Kefir Shop")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_label("Your message")).to_be_focused()
        shop.keyboard.type("Hello! How warm should the grains be kept?")
        dialog.get_by_label("Email", exact=False).first.fill("ada@example.com")
        dialog.get_by_role("button", name="Start chat").click()
        expect(dialog.get_by_label("Your message")).to_be_focused()
        customer_stays = never_reloads(shop)

        # It reaches the inbox on the other server, without a reload.
        conversation = inbox.locator(".chat-conversations a", has_text="ada@example.com")
        expect(conversation).to_be_visible(timeout=3000)
        expect(conversation).to_contain_text("waiting")
        staff_stays()
        conversation.click()
        thread = inbox.locator("[data-chat-log]")
        expect(thread).to_contain_text("How warm should the grains be kept?")
        staff_stays = never_reloads(inbox)

        # Staff answer; the customer sees it within a second and is told who answers.
        inbox.get_by_label("Reply").fill("Room temperature, 18-24 °C, away from sunlight.")
        sent = time.monotonic()
        inbox.get_by_role("button", name="Send reply").click()
        expect(dialog.locator("[data-chat-log]")).to_contain_text("Room temperature",
                                                                   timeout=3000)
        took = time.monotonic() - sent
        # Within a second on a quiet machine; the bound leaves room for a loaded CI runner.
        assert took < 3, f"the reply took {took:.2f} s to arrive"
        expect(dialog.locator("[data-chat-presence]")).to_have_text("Packer is answering…")
        customer_stays()

        # The customer answers back with Enter; staff see it without a reload.
        shop.keyboard.type("Perfect, thank you!")
        shop.keyboard.press("Enter")
        expect(thread).to_contain_text("Perfect, thank you!", timeout=3000)
        staff_stays()

        # A page change: the dialog comes back on the next page with the whole conversation,
        # and still goes both ways.
        shop.goto(f"{shop_server}/blog/")
        dialog = shop.get_by_role("dialog", name="Chat with Kefir Shop")
        expect(dialog.locator("[data-chat-log]")).to_contain_text("Room temperature")
        expect(dialog.locator("[data-chat-log] li")).to_have_count(3)
        inbox.get_by_label("Reply").fill("Anything else?")
        inbox.get_by_role("button", name="Send reply").click()
        expect(dialog.locator("[data-chat-log]")).to_contain_text("Anything else?", timeout=3000)
        dialog.get_by_label("Your message").fill("No, that's all.")
        dialog.get_by_role("button", name="Send").click()
        expect(thread).to_contain_text("No, that's all.", timeout=3000)
        staff_stays()

        # Escape closes the dialog and gives the focus back to the chat link.
        dialog.get_by_label("Your message").focus()
        shop.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(shop.locator("[data-chat-open]")).to_be_focused()
    finally:
        staff.close()
        customer.close()
