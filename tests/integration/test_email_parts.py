"""Every email leaves as plain text and HTML in the shop's design, with the same totals."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from shop import ROOT
from shop.extensions import db
from shop.mail import ORDER_EMAILS, deliver_outbox, queue_email, queue_order_email
from tests import machine

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
MONEY = re.compile(r"£\d+\.\d\d")


def an_order(delivery_pence: int = 395) -> SimpleNamespace:
    lines = [SimpleNamespace(quantity=2, product_name="Milk Kefir Grains", line_total_pence=2400),
             SimpleNamespace(quantity=1, product_name="Kefir <Soap> & Bar", line_total_pence=550)]
    return SimpleNamespace(
        id=None, email="ada@example.com", name="Ada", number="KS-000007", lines=lines,
        subtotal_pence=2950, delivery_pence=delivery_pence, total_pence=2950 - 295 + delivery_pence,
        address_line1="1 Kefir Lane", city="Bath", postcode="BA1 1AA",
        delivery_date=date(2026, 11, 26), refund_reason="unfulfillable", refunded_pence=None,
        discount_code="WELCOME10", discount_pence=295,
    )


def sent_messages(app: Flask, clock) -> list[email.message.EmailMessage]:
    """Send the outbox to .eml files and read them back as a mail program would."""
    with app.app_context():
        deliver_outbox(clock.now)
    folder = Path(app.instance_path) / "emails"
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


def parts(message: email.message.EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.mark.parametrize("kind", sorted(ORDER_EMAILS))
def test_each_order_email_has_a_text_and_an_html_part_with_the_same_amounts(app, clock, kind):
    with app.app_context():
        queue_order_email(an_order(), kind)
        db.session.commit()
    [message] = sent_messages(app, clock)
    text, html = parts(message)
    assert "KS-000007" in text and "KS-000007" in html
    assert sorted(MONEY.findall(text)) == sorted(MONEY.findall(html))
    assert "Kefir &lt;Soap&gt; &amp; Bar" in html or kind == "refunded"
    assert "<script" not in html and "<style" not in html and "<link" not in html
    assert not re.search(r"""src=["']?https?:""", html)  # nothing fetched from anywhere
    assert "company number 01234567" in html and "Kefir Shop Ltd" in html


def test_the_confirmation_shows_its_lines_and_totals_in_a_table(app, clock):
    with app.app_context():
        queue_order_email(an_order(delivery_pence=0), "confirmation")
        db.session.commit()
    [message] = sent_messages(app, clock)
    text, html = parts(message)
    assert '<th scope="col"' in html and "<tfoot>" in html
    assert re.search(r"Total</th><td[^>]*>£26\.55</td>", html)
    assert re.search(r"Next-day delivery</th><td[^>]*>FREE</td>", html)
    assert "Total   £26.55" in text and "Next-day delivery   FREE" in text
    assert re.search(r"Discount \(WELCOME10\)</th><td[^>]*>-£2\.95</td>", html)
    assert "Discount (WELCOME10)   -£2.95" in text


def test_an_email_written_as_text_gets_the_html_layout_with_its_text_escaped(app, clock):
    body = ("Hello Ada,\n\nYou wrote: <script>alert(1)</script>\n"
            "Reply here: https://kefirshop.example/support/7?token=abc\n\nKefir Shop\n")
    with app.app_context():
        queue_email("ada@example.com", "Kefir Shop has answered your message", body)
        db.session.commit()
    [message] = sent_messages(app, clock)
    text, html = parts(message)
    assert text == body
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://kefirshop.example/support/7?token=abc"' in html
    assert "<title>Kefir Shop has answered your message</title>" in html


def test_every_emails_html_passes_the_nu_html_checker(app, tmp_path):
    if not (shutil.which("java") and VNU_JAR.exists()):
        machine.require("the Nu Html Checker needs java and node_modules (npm ci)")
    pages = []
    with app.test_request_context():
        for kind in sorted(ORDER_EMAILS):
            pages.append((kind, queue_order_email(an_order(), kind).html))
        note = queue_email("ada@example.com", "A note", "Hello,\n\nA note.\n")
        pages.append(("plain", note.html))
        db.session.rollback()
    for kind, html in pages:
        (tmp_path / f"{kind}.html").write_text(html)
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout",
         *(str(tmp_path / f"{kind}.html") for kind, _ in pages)],
        capture_output=True, text=True, check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    assert [m for m in messages if m["type"] in ("error", "non-document-error")] == []
    assert len(pages) == len(ORDER_EMAILS) + 1
