"""A customer applies a discount code, sees delivery counted after it, and pays the new total."""

import email
import email.policy
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.test_purchase import check_out
from tests.factories import create_discount

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue", "stripe_webhooks")]


def test_a_code_moves_the_basket_under_free_delivery_and_the_order_carries_it(
    page: Page, live_server: str, app: Flask
):
    create_discount(app, "WELCOME10", "percent", 10)
    for slug, name in (("milk-kefir-starter-kit", "Milk Kefir Starter Kit"),
                       ("ginger-lemon-water-kefir-330ml", "Ginger & Lemon Water Kefir 330ml")):
        page.goto(f"{live_server}/products/{slug}")
        page.get_by_role("button", name=f"Add to basket: {name}").click()
        expect(page.get_by_role("link", name="View basket")).to_be_visible()
    page.goto(live_server + "/basket")
    summary = page.get_by_role("region", name="Order summary")
    expect(summary.locator("[data-delivery]")).to_have_text("FREE")  # £27.70 of goods
    expect(summary).to_contain_text("Your basket qualifies for FREE next-day delivery")

    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()

    expect(summary).to_contain_text("Code WELCOME10 applied: you save £2.77")
    expect(summary.locator("[data-discount]")).to_have_text("−£2.77")
    expect(summary.locator("[data-delivery]")).to_have_text("£3.95")
    expect(summary).to_contain_text("Add £0.08 more for FREE next-day delivery")
    expect(summary.locator("[data-total]")).to_have_text("£28.88")  # £27.70 − £2.77 + £3.95

    page.get_by_role("link", name="Go to checkout").click()
    check_out(page, "grace@example.com", "Grace Hopper", "7 Culture Street", "Leeds", "ls1 4ap")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order KS-")
    expect(page.get_by_role("table")).to_contain_text("Discount (WELCOME10)")
    expect(page.get_by_role("table")).to_contain_text("−£2.77")
    page.get_by_label("Test card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £28.88").click()
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "paid", timeout=20_000
    )
    expect(page.get_by_role("table")).to_contain_text("Discount (WELCOME10)")

    assert app.test_cli_runner().invoke(args=["send-emails"]).exit_code == 0
    [eml] = (Path(app.instance_path) / "emails").glob("*.eml")
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default).get_body(
        ("plain",)).get_content()
    assert "Discount (WELCOME10)   -£2.77" in body and "Total   £28.88" in body


def test_staff_create_a_code_that_a_customer_then_uses(
    page: Page, live_server: str, staff_user: str
):
    from tests.browser.test_admin import sign_in

    sign_in(page, live_server, staff_user)
    page.get_by_role("link", name="Discounts").click()
    page.get_by_role("link", name="Create a code").click()
    page.get_by_label("Code", exact=True).fill("sorry5")
    page.get_by_label("An amount off the goods").check()
    page.get_by_label("Amount off (£)").fill("0")
    page.get_by_role("button", name="Create code").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    expect(page.locator("#value-error")).to_contain_text("must be from 1p")
    page.get_by_label("Amount off (£)").fill("5")
    page.get_by_role("button", name="Create code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SORRY5")
    expect(page.locator("[data-uses]")).to_have_text("0")

    page.goto(live_server + "/products/kefir-soap-bar")
    page.get_by_role("button", name="Add to basket: Kefir & Oat Soap Bar").click()
    expect(page.get_by_role("link", name="View basket")).to_be_visible()
    page.goto(live_server + "/basket")
    page.get_by_label("Discount code").fill("Sorry5")
    page.get_by_role("button", name="Apply").click()
    summary = page.get_by_role("region", name="Order summary")
    expect(summary.locator("[data-discount]")).to_have_text("−£5.00")
    expect(summary.locator("[data-total]")).to_have_text("£5.45")  # £6.50 − £5.00 + £3.95
    page.get_by_role("button", name="Remove discount code").click()
    expect(summary.locator("[data-total]")).to_have_text("£10.45")
