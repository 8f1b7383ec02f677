"""Reading published posts: drafts never leave this module."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from blog.models import Post, Tag, post_tags
from shop.cache import forget_on_commit, remember
from shop.cache import key as cache_key
from shop.extensions import db


def _published() -> Select:
    return select(Post).where(Post.published.is_(True))


def _newest_first(query: Select) -> Select:
    return query.order_by(Post.published_at.desc(), Post.id.desc())


class Teaser(NamedTuple):
    """What the home page shows of the newest post."""

    slug: str
    title: str
    excerpt: str


def latest_teaser() -> Teaser | None:
    """The newest published post's teaser, shared for a little while (CATALOGUE_CACHE_TTL)."""
    row = remember("latest-teaser", current_app.config["CATALOGUE_CACHE_TTL"], _latest_teaser)
    return Teaser(*row) if row else None


def _latest_teaser() -> list:
    newest = _newest_first(select(Post.slug, Post.title, Post.excerpt)
                           .where(Post.published.is_(True))).limit(1)
    return list(db.session.execute(newest).first() or [])


def last_edited(slug: str) -> datetime | None:
    """When the published post with this slug was last saved; None when there is none.

    Shared for PAGE_CACHE_TTL (2 s), so a post in demand asks the database once every two
    seconds whether it changed; an admin's save forgets the entry at once (forget_post).
    """
    stamp = remember(
        _edited_key(slug),
        current_app.config["PAGE_CACHE_TTL"],
        lambda: _isoformat(db.session.scalar(
            select(Post.updated_at).where(Post.slug == slug, Post.published.is_(True))
        )),
    )
    return datetime.fromisoformat(stamp) if stamp else None


def forget_post(*slugs: str) -> None:
    """Drop what is shared about posts this transaction changes (old and new slugs) once it
    commits."""
    forget_on_commit(db.session, *(_edited_key(slug) for slug in slugs))


def _edited_key(slug: str) -> str:
    return cache_key("post-edited", slug)


def _isoformat(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def published_post_by_slug(slug: str) -> Post | None:
    """The published post with this slug, with its tags and products; None for drafts."""
    return db.session.scalar(
        _published()
        .options(selectinload(Post.tags), selectinload(Post.products))
        .where(Post.slug == slug)
    )


def list_posts(page: int = 1, per_page: int = 10, tag: Tag | None = None) -> Pagination:
    """One page of published posts, newest first, optionally only those with `tag`."""
    query = _published()
    if tag is not None:
        query = query.where(Post.tags.any(Tag.id == tag.id))
    newest_first = _newest_first(query.options(selectinload(Post.tags)))
    return db.paginate(newest_first, page=page, per_page=per_page, error_out=False)


def tags_in_use() -> list[Tag]:
    """Tags on at least one published post, by name."""
    used = (
        select(post_tags.c.tag_id)
        .join(Post, Post.id == post_tags.c.post_id)
        .where(Post.published.is_(True))
    )
    return list(db.session.scalars(select(Tag).where(Tag.id.in_(used)).order_by(Tag.name)))


def tag_in_use(slug: str) -> Tag | None:
    """The tag with this slug if a published post carries it (a draft's tags stay private)."""
    return next((tag for tag in tags_in_use() if tag.slug == slug), None)


def published_posts(limit: int | None = None) -> list[Post]:
    """Published posts, newest first, with their tags: for the feed and the sitemap."""
    query = _newest_first(_published().options(selectinload(Post.tags)))
    return list(db.session.scalars(query if limit is None else query.limit(limit)))
