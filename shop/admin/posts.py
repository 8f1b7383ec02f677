"""Blog posts from the back office, audited.

The blog owns what a post may hold: blog.services.save_post checks the values (the same
function for the admin's forms and its API) and blog.rendering turns Markdown into sanitised
HTML. This module adds who changed what, and the admin's lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blog.models import Post
from blog.queries import forget_post
from blog.rendering import render_markdown
from blog.services import InvalidPost, save_post
from shop.admin.audit import Actor, diff, record
from shop.extensions import db
from shop.search import contains

__all__ = ["InvalidPost", "render_markdown"]


def snapshot(post: Post | None) -> dict[str, Any]:
    """The audited fields of a post, as plain values."""
    if post is None:
        return {}
    return {
        "title": post.title,
        "slug": post.slug,
        "excerpt": post.excerpt,
        "body_markdown": post.body_markdown,
        "published": post.published,
        "tags": [t.name for t in post.tags],
        "products": [p.slug for p in post.products],
    }


def save(data: Mapping[str, Any], actor: Actor, now: datetime, post: Post | None = None) -> Post:
    """Create or change a post from the admin JSON shape and audit it (committed).

    Raises InvalidPost (422, or 409 for a slug in use) and changes nothing.
    """
    before = snapshot(post)
    if post is None and "author" not in data:
        data = {**data, "author": actor.label}
    try:
        saved = save_post(db.session, data, now, post)
    except InvalidPost:
        db.session.rollback()
        raise
    after = snapshot(saved)
    if post is None:
        record(actor, "post.create", "post", saved.slug, after, now)
    else:
        changes = diff(before, after)
        if changes:
            action = "post.update"
            if set(changes) == {"published"}:
                action = "post.publish" if saved.published else "post.unpublish"
            record(actor, action, "post", saved.slug, changes, now)
    db.session.commit()
    return saved


def delete_post(post: Post, actor: Actor, now: datetime) -> None:
    """Delete a post for good (committed)."""
    slug = post.slug
    record(actor, "post.delete", "post", slug, snapshot(post), now)
    db.session.delete(post)
    forget_post(slug)
    db.session.commit()


def any_post_by_slug(slug: str) -> Post | None:
    """Any post, draft or published (the blog's own published_post_by_slug hides drafts)."""
    return db.session.scalar(select(Post).where(Post.slug == slug))


def search_posts(
    q: str = "", published: bool | None = None, page: int = 1, per_page: int = 25
) -> Pagination:
    """Posts, drafts first then the newest, optionally by title words and state."""
    query = select(Post).options(selectinload(Post.tags))
    if published is not None:
        query = query.where(Post.published.is_(published))
    for word in q.split()[:10]:
        query = query.where(contains(word, Post.title))
    order = (Post.published, Post.updated_at.desc(), Post.id.desc())
    return db.paginate(query.order_by(*order), page=page, per_page=per_page, error_out=False)
