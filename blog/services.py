"""Writing posts: check the admin JSON shape (blog.schemas), render Markdown, keep dates right."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from blog.models import Post, Tag
from blog.queries import forget_post
from blog.rendering import first_paragraph, slugify, summarise
from blog.schemas import PostCreate, PostUpdate
from shop.domain.fields import SLUG, describe, field_errors
from shop.models import Product

DEFAULT_AUTHOR = "Kefir Shop"
EXCERPT_FROM_BODY = 300


class InvalidPost(ValueError):
    """Post data that cannot be saved; `status` is 422 (bad values) or 409 (slug taken), and
    `errors` names each refused field."""

    def __init__(self, detail: str, status: int = 422, errors: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.errors = errors or {}


def is_slug(value: str) -> bool:
    """Whether `value` is a well-formed slug (lower-case words joined by single hyphens)."""
    return len(value) <= 160 and bool(SLUG.match(value))


def save_post(
    session: Session, data: Mapping[str, Any] | PostUpdate, now: datetime, post: Post | None = None
) -> Post:
    """Create a post (no `post`) or update `post` from the admin JSON shape; return it, flushed.

    `data` is a PostCreate or PostUpdate (blog.schemas), or a mapping checked as one.

    Every value is checked before anything changes, so refused data leaves the post as it was.
    Missing fields keep their value (or a default on create): the slug follows the title, an
    empty excerpt is the body's opening paragraph, and publishing stamps `published_at` once.
    """
    values = _validate(session, data, post)
    old_slug = post.slug if post is not None else None
    if post is None:
        post = Post(author=DEFAULT_AUTHOR, published=False, created_at=now)
    for name, value in values.items():
        setattr(post, name, value)
    if not post.excerpt:
        post.excerpt = summarise(first_paragraph(post.body_html or ""), EXCERPT_FROM_BODY)
    if post.published and post.published_at is None:
        post.published_at = now
    post.updated_at = now
    session.add(post)
    session.flush()
    forget_post(old_slug or post.slug, post.slug)
    return post


def _validate(
    session: Session, data: Mapping[str, Any] | PostUpdate, post: Post | None
) -> dict[str, Any]:
    """The attributes to set from `data`, or InvalidPost naming every bad value."""
    if not isinstance(data, PostUpdate):
        try:
            data = (PostCreate if post is None else PostUpdate).model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            raise InvalidPost(describe(errors), errors=errors) from None
    values = data.model_dump(exclude_unset=True)
    if "slug" in values or post is None:
        slug = values.get("slug") or _slug(values.get("title") or post.title, 160)
        taken = select(Post.id).where(Post.slug == slug)
        if post is not None:
            taken = taken.where(Post.id != post.id)
        if session.scalar(taken) is not None:
            raise InvalidPost(f"Another post already uses the slug {slug!r}.", status=409)
        values["slug"] = slug
    if "author" in values:
        values["author"] = values["author"] or DEFAULT_AUTHOR
    if "tags" in values:
        values["tags"] = _tags(session, values["tags"])
    if "products" in values:
        values["products"] = _products(session, values["products"])
    return values


def _slug(text: str, max_length: int) -> str:
    """A slug made from `text` that fits its column (the text holds a letter or digit)."""
    return slugify(text, max_length)


def _tags(session: Session, names: list[str]) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for name in names:
        slug = _slug(name, 80)
        if slug not in tags:
            tags[slug] = session.scalar(select(Tag).where(Tag.slug == slug)) or Tag(slug=slug,
                                                                                  name=name)
    return list(tags.values())


def _products(session: Session, slugs: list[str]) -> list[Product]:
    found = {
        product.slug: product
        for product in session.scalars(select(Product).where(Product.slug.in_(slugs)))
    }
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise InvalidPost(f"Unknown product(s): {', '.join(missing)}.",
                          errors={"products": f"unknown: {', '.join(missing)}."})
    return [found[slug] for slug in slugs]
