"""Writing posts: validate the admin JSON shape, render the Markdown, keep the dates right."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blog.models import Post, Tag
from blog.queries import forget_post
from blog.rendering import first_paragraph, slugify, summarise
from shop.models import Product

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_AUTHOR = "Kefir Shop"
MAX_BODY = 200_000
MAX_EXCERPT = 500
EXCERPT_FROM_BODY = 300
MAX_TAGS = 10
MAX_PRODUCTS = 8
WRITABLE = {
    "title", "slug", "body_markdown", "published", "excerpt", "author", "published_at", "tags",
    "products",
}  # fmt: skip
#: Fields post_json() shows but a writer cannot set; sent back unchanged, they are ignored.
READ_ONLY = {"url", "updated_at"}


class InvalidPost(ValueError):
    """Post data that cannot be saved; `status` is 422 (bad values) or 409 (slug taken)."""

    def __init__(self, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.status = status


def is_slug(value: str) -> bool:
    """Whether `value` is a well-formed slug (lower-case words joined by single hyphens)."""
    return len(value) <= 160 and bool(SLUG.match(value))


def save_post(
    session: Session, data: Mapping[str, Any], now: datetime, post: Post | None = None
) -> Post:
    """Create a post (no `post`) or update `post` from the admin JSON shape; return it, flushed.

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


def _validate(session: Session, data: Mapping[str, Any], post: Post | None) -> dict[str, Any]:
    """The attributes to set from `data`, or InvalidPost naming the first bad value."""
    unknown = set(data) - WRITABLE - READ_ONLY
    if unknown:
        raise InvalidPost(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if post is None and "title" not in data:
        raise InvalidPost("title is required.")
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = _text(data, "title", 200, required=True)
    if "slug" in data or post is None:
        slug = _text(data, "slug", 160) or slugify(values.get("title") or post.title)
        if not is_slug(slug):
            raise InvalidPost("slug must be lower-case letters and digits joined by hyphens.")
        taken = select(Post.id).where(Post.slug == slug)
        if post is not None:
            taken = taken.where(Post.id != post.id)
        if session.scalar(taken) is not None:
            raise InvalidPost(f"Another post already uses the slug {slug!r}.", status=409)
        values["slug"] = slug
    if "body_markdown" in data:
        values["body_markdown"] = _text(data, "body_markdown", MAX_BODY, strip=False)
    if "excerpt" in data:
        values["excerpt"] = _text(data, "excerpt", MAX_EXCERPT)
    if "author" in data:
        values["author"] = _text(data, "author", 120) or DEFAULT_AUTHOR
    if "published" in data:
        if not isinstance(data["published"], bool):
            raise InvalidPost("published must be true or false.")
        values["published"] = data["published"]
    if "published_at" in data:
        values["published_at"] = _instant(data["published_at"])
    if "tags" in data:
        values["tags"] = _tags(session, data["tags"])
    if "products" in data:
        values["products"] = _products(session, data["products"])
    return values


def _text(
    data: Mapping[str, Any], name: str, limit: int, *, required: bool = False, strip: bool = True
) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidPost(f"{name} must be a string.")
    if strip:
        value = value.strip()
    if required and not value:
        raise InvalidPost(f"{name} must not be empty.")
    if len(value) > limit:
        raise InvalidPost(f"{name} must be at most {limit} characters.")
    return value


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        instant = value
    elif isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidPost("published_at must be an ISO 8601 date and time.") from None
    else:
        raise InvalidPost("published_at must be an ISO 8601 date and time.")
    if instant is not None and instant.tzinfo is None:
        raise InvalidPost("published_at must include a UTC offset.")
    return instant


def _string_list(value: Any, name: str, limit: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidPost(f"{name} must be a list of strings.")
    if len(value) > limit:
        raise InvalidPost(f"{name} may hold at most {limit} entries.")
    return [item.strip() for item in value if item.strip()]


def _tags(session: Session, value: Any) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for name in _string_list(value, "tags", MAX_TAGS):
        slug = slugify(name)
        if not slug or len(name) > 80:
            raise InvalidPost(f"{name[:80]!r} is not a usable tag name.")
        if slug not in tags:
            tag = session.scalar(select(Tag).where(Tag.slug == slug)) or Tag(slug=slug, name=name)
            tags[slug] = tag
    return list(tags.values())


def _products(session: Session, value: Any) -> list[Product]:
    slugs = list(dict.fromkeys(_string_list(value, "products", MAX_PRODUCTS)))
    found = {
        product.slug: product
        for product in session.scalars(select(Product).where(Product.slug.in_(slugs)))
    }
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise InvalidPost(f"Unknown product(s): {', '.join(missing)}.")
    return [found[slug] for slug in slugs]
