"""Load the shop's kefir article (the blog issue adds it)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def seed_blog(session: Session) -> int:
    """Add the seed posts to an empty blog; return how many were added."""
    return 0
