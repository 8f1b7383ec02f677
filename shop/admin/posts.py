"""Blog posts from the back office: Markdown in, sanitised HTML stored, audited changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import markdown
import nh3
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from blog.models import Post, Tag
from shop.admin.audit import Actor, diff, record
from shop.admin.paging import Page, paginate
from shop.admin.validation import Checker, Invalid, slugify
from shop.extensions import db
from shop.models import Product

FIELDS = {"title", "slug", "body_markdown", "excerpt", "published", "tags", "products"}


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: raw HTML and scripts are stripped by nh3.

    TODO(lead): replace with blog.rendering's function once the `blog` branch is merged, so
    that the blog and the admin's preview render posts the same way.
    """
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(html, clean_content_tags={"script", "style"})


def validate_post(data: Mapping[str, Any], current: Post | None = None) -> dict[str, Any]:
    """Check submitted post values; return the clean ones or raise Invalid (see products)."""
    creating = current is None
    check = Checker(data, FIELDS)
    check.text("title", 200, required=creating)
    check.slug("slug", 160)
    check.text("excerpt", 500)
    check.text("body_markdown", 100_000)
    check.boolean("published")
    check.strings("tags", 20, 80)
    check.strings("products", 12, 120)
    values = check.done()
    if creating and "slug" not in values:
        values["slug"] = slugify(values["title"], 160)
        if not values["slug"]:
            raise Invalid({"slug": "is required when the title has no letters or digits."})
    if "products" in values:
        found = {
            p.slug: p
            for p in db.session.scalars(select(Product).where(Product.slug.in_(values["products"])))
        }
        missing = [slug for slug in values["products"] if slug not in found]
        if missing:
            raise Invalid({"products": f"no product has the slug {', '.join(missing)}."})
        values["products"] = [found[slug] for slug in values["products"]]
    if "tags" in values:
        if any(not slugify(name, 80) for name in values["tags"]):
            raise Invalid({"tags": "each tag needs a letter or a digit."})
    slug = values.get("slug")
    if slug and (current is None or slug != current.slug):
        if db.session.scalar(select(exists().where(Post.slug == slug))):
            raise Invalid({"slug": f"{slug!r} is already used by another post."}, conflict=True)
    return values


def _tags(names: list[str]) -> list[Tag]:
    """The tags with these names, made on first use."""
    tags = []
    for name in names:
        slug = slugify(name, 80)
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(slug=slug, name=name)
            db.session.add(tag)
        if tag not in tags:
            tags.append(tag)
    return tags


def snapshot(post: Post) -> dict[str, Any]:
    """The audited fields of a post, as plain values."""
    return {
        "title": post.title,
        "slug": post.slug,
        "excerpt": post.excerpt,
        "body_markdown": post.body_markdown,
        "published": post.published,
        "tags": [t.name for t in post.tags],
        "products": [p.slug for p in post.products],
    }


def _apply(post: Post, values: dict[str, Any], now: datetime) -> None:
    for field in ("title", "slug", "excerpt", "body_markdown"):
        if field in values:
            setattr(post, field, values[field])
    if "body_markdown" in values:
        post.body_html = render_markdown(values["body_markdown"])
    if "tags" in values:
        post.tags = _tags(values["tags"])
    if "products" in values:
        post.products = values["products"]
    if "published" in values:
        post.published = values["published"]
        if post.published and post.published_at is None:
            post.published_at = now  # the first publication dates the post; later ones keep it


def create_post(values: dict[str, Any], actor: Actor, now: datetime) -> Post:
    """Add a validated post (committed)."""
    post = Post(title="", slug="", excerpt="", body_markdown="", body_html="",
                author=actor.label, published=False, created_at=now, updated_at=now)
    post.tags, post.products = [], []
    _apply(post, values, now)
    db.session.add(post)
    db.session.flush()
    record(actor, "post.create", "post", post.slug, snapshot(post), now)
    db.session.commit()
    return post


def update_post(post: Post, values: dict[str, Any], actor: Actor, now: datetime) -> dict:
    """Apply validated changes (committed); return {field: [old, new]}."""
    before = snapshot(post)
    _apply(post, values, now)
    changes = diff(before, snapshot(post))
    if changes:
        post.updated_at = now
        action = "post.update"
        if set(changes) == {"published"}:
            action = "post.publish" if post.published else "post.unpublish"
        record(actor, action, "post", post.slug, changes, now)
    db.session.commit()
    return changes


def delete_post(post: Post, actor: Actor, now: datetime) -> None:
    """Delete a post for good (committed)."""
    record(actor, "post.delete", "post", post.slug, snapshot(post), now)
    db.session.delete(post)
    db.session.commit()


def post_by_slug(slug: str) -> Post | None:
    return db.session.scalar(select(Post).where(Post.slug == slug))


def search_posts(q: str = "", published: bool | None = None, page: int = 1, per_page: int = 25) -> Page:
    """Posts, drafts first then newest, optionally by title words and state."""
    query = select(Post).options(selectinload(Post.tags))
    if published is not None:
        query = query.where(Post.published.is_(published))
    for word in q.lower().split()[:10]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Post.title.ilike(pattern, escape="\\"))
    order = (Post.published, Post.published_at.desc(), Post.updated_at.desc(), Post.id.desc())
    return paginate(query.order_by(*order), page, per_page)


def post_json(post: Post) -> dict:
    """A post for the admin API: SPEC §2's fields, plus tags, products and dates.

    TODO(lead): build on blog.schemas.post_json once the `blog` branch is merged.
    """
    return {
        "title": post.title,
        "slug": post.slug,
        "body_markdown": post.body_markdown,
        "published": post.published,
        "excerpt": post.excerpt,
        "tags": [t.name for t in post.tags],
        "products": [p.slug for p in post.products],
        "published_at": post.published_at.isoformat() if post.published_at else None,
        "updated_at": post.updated_at.isoformat(),
    }
