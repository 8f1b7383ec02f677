"""Markdown becomes safe HTML once, and the measures taken from it: no app, no database."""

import json

import pytest

from blog.jsonld import script_json
from blog.rendering import (
    first_paragraph,
    reading_minutes,
    render_markdown,
    slugify,
    summarise,
    word_count,
)


def test_markdown_headings_paragraphs_and_numbered_lists_become_html():
    html = render_markdown("Intro *text*.\n\n## A heading\n\n1. first\n2. second\n")
    assert "<p>Intro <em>text</em>.</p>" in html
    assert "<h2>A heading</h2>" in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html


def test_a_top_level_heading_in_the_body_becomes_h2_because_the_title_is_the_h1():
    assert render_markdown("# Big\n\ntext").startswith("<h2>Big</h2>")


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hi <script>alert('x')</script> world\n\n<script>\nsteal()\n</script>")
    assert "<script" not in html and "alert" not in html and "steal" not in html
    assert "Hi" in html and "world" in html


#: Markup an author might type that could run script or restyle the page, by kind.
EVENT_HANDLERS = [
    '<img src="x.png" onerror="alert(1)">',
    "<img src=x onerror=alert(1)>",
    '<a href="/x" onclick="alert(1)">x</a>',
    '<p onmouseover="alert(1)">hover</p>',
    "<svg onload=alert(1)>",
]
SCRIPT_AND_DATA_URLS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
]
HTML_OUTSIDE_THE_ALLOW_LIST = [
    '<iframe src="https://example.com"></iframe>',
    "<style>body { display: none }</style>",
    '<object data="x.swf"></object>',
    '<form action="/steal"><input name="card"></form>',
    '<div style="position:fixed">covered</div>',
    "<!-- a comment -->",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
]
#: What none of each kind may leave in the rendered HTML (compared in lower case).
REMOVED = {
    "event handler": ("alert", " on"),
    "script or data URL": ("javascript", "vbscript", "data:", "href=", "src="),
    "raw HTML": ("<iframe", "<style", "<object", "<form", "<input", "style=", "<!--", "<meta",
                 "<link", "display: none", "evil.example"),
}


@pytest.mark.parametrize(
    ("markup", "kind"),
    [(markup, "event handler") for markup in EVENT_HANDLERS]
    + [(markup, "script or data URL") for markup in SCRIPT_AND_DATA_URLS]
    + [(markup, "raw HTML") for markup in HTML_OUTSIDE_THE_ALLOW_LIST],
)
def test_handlers_script_urls_and_raw_html_never_reach_the_page(markup: str, kind: str):
    html = render_markdown(markup).lower()
    assert [fragment for fragment in REMOVED[kind] if fragment in html] == []


def test_external_links_get_noopener_nofollow_and_internal_links_do_not():
    html = render_markdown(
        "[shop](/products/live-milk-kefir-grains) [study](https://www.science.org/) "
        "<https://example.com/a?b=1&c=2> [proto](//example.org/x)"
    )
    assert '<a href="/products/live-milk-kefir-grains">shop</a>' in html
    assert '<a href="https://www.science.org/" rel="noopener nofollow">study</a>' in html
    assert 'href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow"' in html
    assert '<a href="//example.org/x" rel="noopener nofollow">proto</a>' in html


def test_an_author_cannot_choose_a_links_rel_or_target():
    html = render_markdown('<a href="https://example.com" rel="opener" target="_blank">x</a>')
    assert html == '<p><a href="https://example.com" rel="noopener nofollow">x</a></p>'


def test_reading_time_is_words_over_two_hundred_a_minute_and_at_least_one():
    assert reading_minutes("<p>" + "word " * 10 + "</p>") == 1
    assert reading_minutes("<p>" + "word " * 400 + "</p>") == 2
    assert reading_minutes("<p>" + "word " * 1000 + "</p>") == 5


def test_word_count_ignores_tags_and_keeps_hyphenated_words_whole():
    assert word_count("<p>The gut-brain <em>axis</em>, or ‘GABA’.</p>") == 5


def test_summary_cuts_at_a_word_boundary_and_marks_the_cut():
    text = "<p>" + "kefir grains " * 40 + "</p>"
    summary = summarise(text, 50)
    assert len(summary) <= 50
    assert summary.endswith("…")
    assert summary[:-1].split()[-1] in ("kefir", "grains")


def test_the_first_paragraph_is_taken_for_an_excerpt():
    assert first_paragraph("<h2>A</h2>\n<p>One.</p>\n<p>Two.</p>") == "<p>One.</p>"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Kefir Effects Your Mood & Mental Health", "kefir-effects-your-mood-and-mental-health"),
        ("Café crème: 10 tips!", "cafe-creme-10-tips"),
        ("  --  ", ""),
    ],
)
def test_slugs_are_lower_case_ascii_words_joined_by_hyphens(title: str, slug: str):
    assert slugify(title) == slug


def test_json_for_a_script_block_cannot_close_the_block_and_still_parses():
    data = {"headline": "</script><script>alert(1)</script> & <!-- \u2028"}
    text = str(script_json(data))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data
