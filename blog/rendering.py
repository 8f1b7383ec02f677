"""Markdown to safe HTML, and the plain-text measures derived from a post's body.

Pure functions: no Flask, no database. A post's HTML is rendered once, when its Markdown is set,
and stored; pages only print what is stored.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

#: What an author's Markdown (and any raw HTML in it) may turn into; everything else is removed.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
#: Schemes a link or image may use; javascript:, data:, vbscript: and the rest are dropped.
URL_SCHEMES = {"http", "https", "mailto"}
#: Removed together with their text, not just unwrapped.
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
EXTERNAL_REL = "noopener nofollow"
WORDS_PER_MINUTE = 200

# nh3 writes every attribute as name="value" with '"' escaped, so a start tag is matched exactly.
_LINK_START = re.compile(r'<a((?:\s+[a-zA-Z-]+="[^"]*")*)>')
_HREF = re.compile(r'\shref="([^"]*)"')
_PARAGRAPH = re.compile(r"<p>.*?</p>", re.DOTALL)
_BLOCK_TAG = re.compile(r"</?(?:p|li|h[1-6]|br|hr|div|tr|td|th|blockquote|pre|[ou]l|table)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")


class _DemoteTopHeadings(Treeprocessor):
    """The page's <h1> is the post title, so a `# Heading` in the body becomes an <h2>."""

    def run(self, root: Element) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "tables", "fenced_code"], output_format="html")
    md.treeprocessors.register(_DemoteTopHeadings(md), "demote_h1", 5)
    return md


def _is_external(href: str) -> bool:
    parts = urlsplit(html.unescape(href))
    return parts.scheme in ("http", "https") or href.startswith("//")


def _mark_external_links(fragment: str) -> str:
    def mark(match: re.Match) -> str:
        attributes = match.group(1)
        href = _HREF.search(attributes)
        if href and _is_external(href.group(1)):
            return f'<a{attributes} rel="{EXTERNAL_REL}">'
        return match.group(0)

    return _LINK_START.sub(mark, fragment)


def sanitise_html(fragment: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes; mark external links."""
    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return _mark_external_links(cleaned)


def render_markdown(text: str) -> str:
    """An author's Markdown as sanitised HTML, safe to print as it is."""
    return sanitise_html(_markdown().convert(text or ""))


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment, tags removed and whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", fragment))).split())


def word_count(fragment: str) -> int:
    """How many words a reader sees in an HTML fragment."""
    return len(_WORD.findall(plain_text(fragment)))


def reading_minutes(fragment: str) -> int:
    """Minutes an average reader needs for an HTML fragment; at least one."""
    return max(1, round(word_count(fragment) / WORDS_PER_MINUTE))


def first_paragraph(fragment: str) -> str:
    """The first <p>…</p> of an HTML fragment, or the whole fragment when it has none."""
    match = _PARAGRAPH.search(fragment)
    return match.group(0) if match else fragment


def summarise(fragment: str, limit: int = 200) -> str:
    """The opening words of an HTML fragment, cut at a word boundary, for an excerpt."""
    text = plain_text(fragment)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.–-— ")
    return cut + "…"


def slugify(text: str, max_length: int | None = None) -> str:
    """A URL slug for posts, tags and products alike: lower-case ASCII words joined by
    hyphens, "&" read as "and", cut to `max_length` ('Grains (50 g)' -> 'grains-50-g')."""
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = text.encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    return "-".join(words)[:max_length].rstrip("-")
