"""The blog's Atom feed (RFC 4287), built with ElementTree so every value is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from blog.models import Post

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(
    posts: Sequence[Post],
    *,
    title: str,
    subtitle: str,
    feed_url: str,
    site_url: str,
    updated: datetime,
    post_url: Callable[[Post], str],
) -> bytes:
    """The Atom document for `posts`; `updated` stands in when there are none."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "en-GB"})
    _add(feed, "id", feed_url)
    _add(feed, "title", title)
    _add(feed, "subtitle", subtitle)
    _add(feed, "updated", max((post.updated_at for post in posts), default=updated).isoformat())
    _add(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _add(feed, "link", rel="alternate", type="text/html", href=site_url)
    _add(_add(feed, "author"), "name", "Kefir Shop")
    for post in posts:
        url = post_url(post)
        entry = _add(feed, "entry")
        _add(entry, "id", url)
        _add(entry, "title", post.title)
        _add(entry, "link", rel="alternate", type="text/html", href=url)
        _add(entry, "published", post.published_at.isoformat())
        _add(entry, "updated", post.updated_at.isoformat())
        _add(_add(entry, "author"), "name", post.author or "Kefir Shop")
        for tag in post.tags:
            _add(entry, "category", term=tag.slug, label=tag.name)
        _add(entry, "summary", post.excerpt, type="text")
        _add(entry, "content", post.body_html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
