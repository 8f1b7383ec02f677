"""The owner in a real browser: reads the reports, switches the range, prints the dispatch list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from bench.seed import seed_orders
from shop.clock import FixedClock
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalogue")]


@pytest.fixture
def month_of_orders(app: Flask, clock: FixedClock, catalogue: None) -> None:
    """Orders over the last 30 days, as bench.seed spreads them (a few still to dispatch)."""
    seed_orders(app, 150, clock.now(), days=30)


def sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.usefixtures("month_of_orders")
def test_the_owner_reads_the_reports_and_switches_the_range(
    page: Page, live_server: str, admin_user: str, tmp_path: Path
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, admin_user)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
    month = page.locator("[data-figure=orders]").inner_text()
    assert int(month) > 100
    expect(page.get_by_role("img", name=re.compile("Revenue by day"))).to_be_visible()
    expect(page.get_by_role("img", name="Orders by goods subtotal, in £2.50 steps")).to_be_visible()
    page.screenshot(path=tmp_path / "reports-30-days.png", full_page=True)

    page.get_by_role("link", name="Last 7 days").click()
    expect(page).to_have_url(re.compile(r"/admin/reports/\?range=7d$"))
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-range]")).to_have_attribute("data-range", "2026-11-19/2026-11-25")
    assert int(page.locator("[data-figure=orders]").inner_text()) < int(month)

    page.get_by_label("From", exact=True).fill("2026-11-20")
    page.get_by_label("To", exact=True).fill("2026-11-10")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_have_text("The from date must not be after the to date.")
    expect(page.get_by_label("From", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_label("To", exact=True).fill("2026-11-24")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("[data-range]")).to_have_attribute("data-range", "2026-11-20/2026-11-24")
    page.get_by_text("Revenue by day as a table").click()
    expect(page.locator("[data-table=daily] tbody tr")).to_have_count(5)
    page.screenshot(path=tmp_path / "reports-custom.png", full_page=True)


@pytest.mark.usefixtures("month_of_orders")
def test_staff_print_the_dispatch_list_and_mark_it_sent(
    page: Page, live_server: str, staff_user: str, tmp_path: Path
):
    sign_in(page, live_server, staff_user)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Dispatch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dispatch, Wednesday 25 November")
    due = int(page.locator("[data-count=due]").inner_text())
    assert due > 0
    expect(page.locator("article.slip")).to_have_count(due)
    expect(page.get_by_role("heading", name="Pick list")).to_be_visible()
    page.screenshot(path=tmp_path / "dispatch-screen.png", full_page=True)

    # The button prints; the print stylesheet gives the lists a page and each slip its own.
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print the pick list and slips").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Admin")).to_be_hidden()
    expect(page.get_by_role("button", name="Mark the ticked orders dispatched")).to_be_hidden()
    page.screenshot(path=tmp_path / "dispatch-print.png", full_page=True)
    pdf = page.pdf(format="A4")
    (tmp_path / "dispatch.pdf").write_bytes(pdf)
    page.evaluate("document.querySelectorAll('.slip').forEach((slip) => slip.remove())")
    lists_only = pdf_pages(page.pdf(format="A4"))
    assert pdf_pages(pdf) == lists_only + due  # each slip takes exactly one page of its own
    page.emulate_media(media="screen")
    page.reload()

    page.get_by_role("button", name="Mark the ticked orders dispatched").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"{due} order{'' if due == 1 else 's'} marked dispatched; "
        f"{'its customer is' if due == 1 else 'their customers are'} emailed.")
    expect(page.get_by_text("Nothing to pack.")).to_be_visible()
