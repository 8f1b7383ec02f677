"""What a chat message may hold and how it is shown: plain text, safe links, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop.domain.conversation import (
    InvalidMessage,
    clean_body,
    clean_email,
    clean_order_number,
    render_body,
    say_wait,
    waited_seconds,
)


def test_a_message_of_2000_characters_is_kept_whole():
    assert clean_body("k" * 2000) == "k" * 2000


@pytest.mark.parametrize("value", ["", "   \n\t ", "\x00\x07"])
def test_an_empty_message_is_refused(value):
    with pytest.raises(InvalidMessage, match="write a message"):
        clean_body(value)


def test_a_message_of_2001_characters_is_refused():
    with pytest.raises(InvalidMessage, match="at most 2,000"):
        clean_body("k" * 2001)


@pytest.mark.parametrize("value", [None, 42, ["hi"], {"body": "hi"}, True])
def test_a_message_that_is_not_text_is_refused(value):
    with pytest.raises(InvalidMessage, match="must be text"):
        clean_body(value)


def test_control_characters_are_dropped_and_lines_kept():
    assert clean_body("  one\r\ntwo\x1b[31m  ") == "one\ntwo[31m"


def test_markup_is_shown_as_typed_never_interpreted():
    html = str(render_body('<script>alert(1)</script> <img src=x onerror="y">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_web_addresses_become_links_that_pass_no_ranking_or_opener():
    html = str(render_body("See https://example.com/kefir?a=1&b=2, or www.kefir.example."))
    assert ('<a href="https://example.com/kefir?a=1&amp;b=2" rel="nofollow noopener" '
            'target="_blank">https://example.com/kefir?a=1&amp;b=2</a>, or ') in html
    assert '<a href="https://www.kefir.example" rel="nofollow noopener"' in html
    assert html.endswith("</a>.")


def test_a_bracket_that_belongs_to_the_address_stays_in_the_link():
    html = str(render_body("(see https://en.wikipedia.org/wiki/Kefir_(drink))"))
    assert 'href="https://en.wikipedia.org/wiki/Kefir_(drink)"' in html
    assert html.endswith("</a>)")


@pytest.mark.parametrize("text", ["javascript:alert(1)", "data:text/html,<b>x</b>"])
def test_only_web_addresses_are_linked(text):
    assert "<a " not in str(render_body(text))


def test_a_quote_ends_an_address_so_no_attribute_can_be_smuggled_in():
    html = str(render_body('https://x.example/"onmouseover="alert(1)'))
    assert html.startswith('<a href="https://x.example/" rel="nofollow noopener"')
    assert 'onmouseover="' not in html and "&#34;onmouseover=&#34;" in html


def test_an_email_is_needed_only_when_asked_for():
    assert clean_email("", required=False) == ""
    assert clean_email(" Ada@Example.com ", required=True) == "Ada@example.com"
    with pytest.raises(InvalidMessage, match="email address so we can answer"):
        clean_email(None, required=True)
    with pytest.raises(InvalidMessage, match="valid email"):
        clean_email("not an address", required=False)


def test_order_numbers_are_read_as_the_shop_writes_them():
    assert clean_order_number(" ks-000123 ") == "KS-000123"
    assert clean_order_number("") is None
    with pytest.raises(InvalidMessage):
        clean_order_number("123; DROP TABLE orders")


def test_waiting_is_counted_from_the_oldest_unanswered_message():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert waited_seconds(None, now) is None
    assert waited_seconds(now - timedelta(minutes=3, seconds=5), now) == 185
    assert [say_wait(s) for s in (None, 45, 185, 3 * 3600 + 300, 3 * 86400)] == [
        "answered", "45 s", "3 min", "3 h 5 min", "3 days"]
