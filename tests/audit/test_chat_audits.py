"""Browser audits of the chat: the dialog the header opens (axe-core and the Nu Html Checker
on the page as the visitor then has it) and a conversation's own page (Lighthouse too)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from test_browser_audits import (
    AXE_CORE,
    CHROMIUM,
    NODE_BIN,
    REQUIRED,
    VNU_JAR,
    lighthouse,
    require,
    run,
    shortfalls,
)

pytestmark = pytest.mark.audit


@pytest.fixture(scope="module")
def conversation_url(demo_shop) -> str:
    """A conversation's signed page in the demo shop, with a message in it."""
    request = urllib.request.Request(
        f"{demo_shop.url}/api/v1/chat/conversations", method="POST",
        headers={"Content-Type": "application/json"},
        data=json.dumps({"message": "Do your grains come with instructions? "
                                    "See https://example.com/kefir", "email": "ada@example.com",
                         "name": "Ada"}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        started = json.loads(response.read())
    cid = started["conversation"]["id"]
    return f"{demo_shop.url}/support/{cid}?token={started['token']}"


def open_dialog(browser, url: str, width: int) -> tuple:
    """A page at `url` with the chat dialog opened from the header; (context, page)."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    page.add_init_script(script=AXE_CORE.read_text())  # before the page's own, outside its CSP
    page.goto(url)
    page.click("[data-chat-open]")
    page.wait_for_selector("[data-chat-panel]")
    return context, page


def violations(page) -> list[dict]:
    results = page.evaluate("() => axe.run()")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]]} for v in results["violations"]]


@pytest.mark.parametrize("width", [360, 1280])
def test_axe_core_finds_no_violations_in_the_chat_dialog_before_and_during_a_chat(
    demo_shop, browser, width
):
    require(CHROMIUM, AXE_CORE)
    context, page = open_dialog(browser, demo_shop.url + "/", width)
    try:
        assert violations(page) == []
        page.fill("[data-chat-start] textarea", "Hello, https://example.com <b>hi</b>")
        page.fill("[data-chat-start] input[name=email]", "ada@example.com")
        page.click("[data-chat-start] button[type=submit]")
        page.wait_for_selector("[data-chat-reply]")
        found = violations(page)
        assert found == [], json.dumps(found, indent=1)
    finally:
        context.close()


def test_nu_html_checker_finds_no_errors_with_a_chat_in_the_dialog(demo_shop, browser, tmp_path):
    require(CHROMIUM, AXE_CORE, "java", VNU_JAR)
    context, page = open_dialog(browser, demo_shop.url + "/", 360)
    try:
        page.fill("[data-chat-start] textarea", "Hello")
        page.fill("[data-chat-start] input[name=email]", "ada@example.com")
        page.click("[data-chat-start] button[type=submit]")
        page.fill("[data-chat-reply] textarea", "And a link: www.example.com.")
        page.click("[data-chat-reply] button[type=submit]")
        page.wait_for_selector("[data-chat-log] li:nth-child(2)")  # added by the script
        html = page.content()
    finally:
        context.close()
    path = tmp_path / "dialog.html"
    path.write_text(html.replace(AXE_CORE.read_text(), ""))
    result = run(["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", str(path)])
    errors = [m for m in json.loads(result.stdout)["messages"]
              if m["type"] in ("error", "non-document-error")]
    assert not errors, json.dumps(errors, indent=1)


def test_a_conversations_page_passes_lighthouse_axe_and_the_nu_checker(
    conversation_url, browser, tmp_path: Path
):
    require(CHROMIUM, NODE_BIN / "lighthouse", "node", AXE_CORE, "java", VNU_JAR)
    report = lighthouse(conversation_url, tmp_path / "conversation.json", indexable=False)
    assert report["finalDisplayedUrl"] == conversation_url
    scores = {c: report["categories"][c]["score"] for c in REQUIRED}
    low = {c: shortfalls(report, c) for c, need in REQUIRED.items() if scores[c] < need}
    assert not low, f"scored {scores}; points lost on: {low}"

    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(script=AXE_CORE.read_text())
        page.goto(conversation_url)
        assert violations(page) == []
    finally:
        context.close()

    with urllib.request.urlopen(conversation_url, timeout=10) as response:
        (tmp_path / "conversation.html").write_bytes(response.read())
    result = run(["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout",
                  str(tmp_path / "conversation.html")])
    errors = [m for m in json.loads(result.stdout)["messages"]
              if m["type"] in ("error", "non-document-error")]
    assert not errors, json.dumps(errors, indent=1)
