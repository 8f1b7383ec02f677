"""Load the shop's posts from the Markdown files kept in blog/data/."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blog.models import Post
from blog.services import save_post

DATA = Path(__file__).resolve().parent / "data"
FENCE = "+++"


def read_markdown_file(path: Path) -> dict:
    """A Markdown file with TOML front matter between `+++` lines: the front matter's
    values, and the Markdown after it as `body_markdown`."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines[0].strip() != FENCE or FENCE not in (line.strip() for line in lines[1:]):
        raise ValueError(f"{path.name}: front matter must open and close with a '+++' line")
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == FENCE)
    data = tomllib.loads("\n".join(lines[1:end]))
    data["body_markdown"] = "\n".join(lines[end + 1 :]).strip("\n") + "\n"
    return data


def read_post_file(path: Path) -> dict:
    """A post's Markdown file (see read_markdown_file), as save_post() data."""
    data = read_markdown_file(path)
    if "published_at" not in data:
        raise ValueError(f"{path.name}: front matter needs published_at (a date with an offset)")
    data.setdefault("published", True)
    return data


def seed_blog(session: Session, directory: Path = DATA) -> int:
    """Add the seed posts to an empty blog; return how many were added."""
    if session.scalar(select(func.count()).select_from(Post)):
        return 0
    paths = sorted(directory.glob("*.md"))
    for path in paths:
        data = read_post_file(path)
        save_post(session, data, now=data["published_at"])
    return len(paths)
