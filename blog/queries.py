"""Reading published posts."""

from __future__ import annotations

from sqlalchemy import select

from blog.models import Post
from shop.extensions import db


def latest_post() -> Post | None:
    """The newest published post, for the home page's teaser."""
    return db.session.scalar(
        select(Post)
        .where(Post.published.is_(True))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(1)
    )
