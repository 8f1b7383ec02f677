"""The JSON shape of a post, as the admin API of SPEC §2 reads and writes it."""

from __future__ import annotations

from flask import url_for

from blog.models import Post


def post_json(post: Post) -> dict:
    """A post as `title, slug, body_markdown, published, excerpt`, plus what an editor needs."""
    return {
        "title": post.title,
        "slug": post.slug,
        "body_markdown": post.body_markdown,
        "published": post.published,
        "excerpt": post.excerpt,
        "author": post.author,
        "published_at": post.published_at.isoformat() if post.published_at else None,
        "updated_at": post.updated_at.isoformat() if post.updated_at else None,
        "tags": [tag.name for tag in post.tags],
        "products": [product.slug for product in post.products],
        "url": url_for("blog.post", slug=post.slug, _external=True),
    }
