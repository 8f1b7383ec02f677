"""schema.org BlogPosting data for search engines, safe to embed in a <script> block."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from markupsafe import Markup

from blog.rendering import word_count

if TYPE_CHECKING:
    from blog.models import Post


def blog_posting(post: Post, *, url: str, site_name: str, site_url: str) -> dict:
    """The BlogPosting description of a published post."""
    return {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.excerpt,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": post.published_at.isoformat(),
        "dateModified": post.updated_at.isoformat(),
        "author": _author(post.author or site_name, site_name),
        "publisher": {"@type": "Organization", "name": site_name, "url": site_url},
        "keywords": [tag.name for tag in post.tags],
        "wordCount": word_count(post.body_html),
        "inLanguage": "en-GB",
    }


def _author(name: str, site_name: str) -> dict:
    kind = "Organization" if name == site_name else "Person"
    return {"@type": kind, "name": name}


def script_json(data: dict) -> Markup:
    """JSON for a <script type="application/ld+json"> block.

    "<", ">" and "&" become \\u escapes, which JSON readers decode unchanged, so no value (a
    title holding "</script>", say) can end the block early or open an HTML comment.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/2029 are valid in JSON but end lines in old JavaScript parsers.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
