"""Staff in a real browser find an email the shop gave up on, see why, and send it again."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import update
from test_admin import sign_in

from shop import ROOT
from shop.extensions import db
from shop.mail import queue_email
from shop.models import OutboxEmail
from tests.machine import IN_CI

pytestmark = pytest.mark.browser

AXE_CORE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def dead_email(app: Flask, clock) -> int:
    """An email that failed ten times, the last because the mail server was unreachable."""
    with app.app_context():
        email = queue_email("grace@example.com", "Your Kefir Shop order KS-000042", "Hello")
        db.session.flush()
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email.id).values(
            attempts=10, dead_at=clock.now(),
            last_error="ConnectionRefusedError: [Errno 111] Connection refused"))
        db.session.commit()
        return email.id


def test_staff_retry_an_email_the_shop_gave_up_on(
    page: Page, live_server: str, staff_user: str, dead_email: int
):
    sign_in(page, live_server, staff_user)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails not sent")
    gave_up = page.get_by_role("table", name="Gave up (1)")
    expect(gave_up).to_contain_text("grace@example.com")
    expect(gave_up).to_contain_text("ConnectionRefusedError")
    expect(gave_up).to_contain_text("10 tries")
    gave_up.get_by_role("button", name="Retry the email to grace@example.com").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "The email to grace@example.com is queued to be sent again.")
    expect(page.get_by_role("table", name="Gave up (0)")).to_contain_text("None")


def test_the_emails_page_passes_axe_core(
    page: Page, live_server: str, staff_user: str, dead_email: int
):
    if not AXE_CORE.exists():  # the audits' own copy, which `make test` installs
        (pytest.fail if IN_CI else pytest.skip)(f"{AXE_CORE} is missing (npm ci)")
    # An init script runs before the page's own and is not bound by its CSP.
    page.add_init_script(script=AXE_CORE.read_text())
    sign_in(page, live_server, staff_user)
    page.goto(live_server + "/admin/emails/")
    violations = page.evaluate("async () => (await axe.run()).violations")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
