"""A customer buys as a customer would: product, basket, checkout, test card, paid."""

import email
import email.policy
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue", "stripe_webhooks")]

STARTER_KIT = "Milk Kefir Starter Kit"


def check_out(page: Page, email: str, name: str, line1: str, city: str, postcode: str) -> None:
    """Fill in the checkout form as a customer would and go on to payment."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Address line 1").fill(line1)
    page.get_by_label("Town or city").fill(city)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Continue to payment").click()


def test_customer_buys_a_starter_kit_with_the_test_card_and_sees_it_paid(
    page: Page, live_server: str, app: Flask
):
    page.goto(live_server + "/products/milk-kefir-starter-kit")
    page.get_by_role("button", name=f"Add to basket: {STARTER_KIT}").click()
    page.get_by_role("link", name="View basket").click()
    summary = page.get_by_role("region", name="Order summary")
    expect(summary).to_contain_text("£28.90")  # £24.95 + £3.95 delivery
    page.get_by_role("link", name="Go to checkout").click()

    check_out(page, "grace@example.com", "Grace Hopper", "7 Culture Street", "Leeds", "ls1 4ap")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order KS-")
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "pending_payment"
    )
    expect(page.get_by_text("TEST MODE: no real card is charged.")).to_be_visible()
    page.get_by_label("Test card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £28.90").click()

    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "paid", timeout=20_000
    )
    expect(page.get_by_text("Your payment is confirmed")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(STARTER_KIT)
    expect(page.locator("body")).to_contain_text("Thursday 26 November")
    expect(page.locator("[data-basket-count]")).to_have_text("0")

    # The webhook queued the confirmation; the background job sends it.
    assert app.test_cli_runner().invoke(args=["send-emails"]).exit_code == 0
    [eml] = (Path(app.instance_path) / "emails").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "grace@example.com"
    assert "Total   £28.90" in message.get_body(("plain",)).get_content()


def test_a_declined_test_card_is_reported_and_the_items_stay_held(page: Page, live_server: str):
    page.goto(live_server + "/products/kefir-soap-bar")
    page.get_by_role("button", name="Add to basket: Kefir & Oat Soap Bar").click()
    expect(page.get_by_role("link", name="View basket")).to_be_visible()
    page.goto(live_server + "/checkout")
    check_out(page, "alan@example.com", "Alan Turing", "1 Bletchley Road", "Milton Keynes",
              "MK3 6EB")
    page.get_by_label("Test card number").fill("4000 0000 0000 0341")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Your card was declined.").first).to_be_visible()
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "pending_payment"
    )
    # Once Stripe's webhook has counted the attempt, the page says how many tries are left.
    for _ in range(100):
        if page.locator("[data-payment-error]").count():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("[data-payment-error]")).to_contain_text("4 tries left")
    expect(page.get_by_label("Test card number")).to_be_visible()
