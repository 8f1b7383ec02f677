"""A customer with an account: sign up, verify by the emailed link, buy, see the order, buy
again, sign out; then reset a forgotten password by the emailed link."""

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.factories import emailed_link

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue", "stripe_webhooks")]

STARTER_KIT = "Milk Kefir Starter Kit"
EMAIL = "grace@example.com"
PASSWORD = "compiler-and-kefir-1906"


def test_a_customer_signs_up_verifies_buys_sees_the_order_buys_again_and_signs_out(
    page: Page, live_server: str, app: Flask
):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Password").fill("password12")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-error")).to_contain_text("most common passwords")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Grace Hopper")
    expect(page.locator("[data-account-link]")).to_contain_text("Grace")

    page.goto(live_server + emailed_link(app, EMAIL, "/account/verify/"))
    expect(page.get_by_text(f"Thank you: {EMAIL} is confirmed.")).to_be_visible()

    page.goto(live_server + "/products/milk-kefir-starter-kit")
    page.get_by_role("button", name=f"Add to basket: {STARTER_KIT}").click()
    page.get_by_role("link", name="View basket").click()
    page.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_label("Email")).to_have_value(EMAIL)  # prefilled from the account
    page.get_by_label("Address line 1").fill("7 Culture Street")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode").fill("ls1 4ap")
    page.get_by_label("Save this address to my account").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_label("Test card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £28.90").click()
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "paid", timeout=20_000)

    page.locator("[data-account-link]").click()
    order = page.locator("[data-order]").first
    expect(order).to_contain_text("Paid")
    expect(order).to_contain_text(f"1 × {STARTER_KIT}")
    expect(order).to_contain_text("Thursday 26 November")
    order.get_by_role("link").click()
    expect(page.get_by_role("table")).to_contain_text(STARTER_KIT)
    page.get_by_role("button", name="Buy again").click()
    expect(page.get_by_text("Added to your basket at today's prices")).to_be_visible()
    expect(page.locator("[data-basket-count]")).to_have_text("1")

    page.locator("[data-account-link]").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.locator("[data-account-link]")).to_have_text("Sign in")
    page.goto(live_server + "/account/")
    expect(page).to_have_url(live_server + "/account/sign-in?next=/account/")

    # Forgotten password: the emailed link, once.
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    link = live_server + emailed_link(app, EMAIL, "/account/reset/")
    page.goto(link)
    page.get_by_label("New password").fill("a-brand-new-kefir-password")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    expect(page.locator("[data-account-link]")).to_contain_text("Grace")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("That link has expired")
