"""Reading the information pages."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from shop.cache import forget_on_commit, remember
from shop.cache import key as cache_key
from shop.extensions import db
from shop.pages import SLUGS
from shop.pages.models import ShopPage


class PageContent(NamedTuple):
    """What a visitor's page shows, plain enough to share through the cache."""

    slug: str
    title: str
    description: str
    body_html: str
    updated: str  # ISO 8601, as JSON keeps it

    @property
    def updated_at(self) -> datetime:
        return datetime.fromisoformat(self.updated)


def page_content(slug: str) -> PageContent | None:
    """The page as visitors see it, shared for PAGE_CACHE_TTL and forgotten when it is saved."""
    row = remember(
        _key(slug),
        current_app.config["PAGE_CACHE_TTL"],
        lambda: _content_row(slug),
    )
    return PageContent(*row) if row else None


def _content_row(slug: str) -> list:
    page = db.session.scalar(select(ShopPage).where(ShopPage.slug == slug))
    if page is None:
        return []
    return [page.slug, page.title, page.description, page.body_html,
            page.updated_at.isoformat()]


def forget_page(slug: str) -> None:
    """Drop the shared copy of a page once the transaction changing it commits."""
    forget_on_commit(db.session, _key(slug))


def _key(slug: str) -> str:
    return cache_key("shop-page", slug)


def page_by_slug(slug: str) -> ShopPage | None:
    """The page with this slug, for editing."""
    return db.session.scalar(select(ShopPage).where(ShopPage.slug == slug))


def all_pages() -> list[ShopPage]:
    """The pages that exist, in the footer's order."""
    pages = {p.slug: p for p in db.session.scalars(select(ShopPage))}
    return [pages[slug] for slug in SLUGS if slug in pages]


def last_edits() -> dict[str, datetime]:
    """When each page was last saved, for the sitemap."""
    rows = db.session.execute(select(ShopPage.slug, ShopPage.updated_at))
    return {slug: updated_at for slug, updated_at in rows}
