"""Load the shop's information pages from the Markdown files kept in shop/pages/data/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from blog.seed import read_markdown_file
from shop.pages import SLUGS
from shop.pages.models import PageRevision, ShopPage

DATA = Path(__file__).resolve().parent / "data"
AUTHOR = "seed-demo"


def seed_pages(session: Session, now: datetime, directory: Path = DATA) -> int:
    """Add every information page that does not exist yet, as its revision 1; return how many.

    Pages that exist are left as staff wrote them.
    """
    existing = set(session.scalars(select(ShopPage.slug)))
    added = 0
    for slug in SLUGS:
        if slug in existing:
            continue
        data = read_markdown_file(directory / f"{slug}.md")
        page = ShopPage(slug=slug, title=data["title"], description=data["description"],
                        body_markdown=data["body_markdown"], revision=1, updated_at=now,
                        updated_by=AUTHOR)
        page.revisions.append(
            PageRevision(number=1, title=page.title, description=page.description,
                         body_markdown=page.body_markdown, created_at=now, author=AUTHOR)
        )
        session.add(page)
        added += 1
    session.flush()
    return added
