"""Editing the information pages: validated, versioned and audited.

Each save is a new revision (who, when, the whole text), so any earlier text can be read and
restored; the audit log records the change like every other admin change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from shop.admin.audit import Actor, diff, record
from shop.domain.placeholders import unknown_placeholders
from shop.extensions import db
from shop.pages.models import PageRevision, ShopPage
from shop.pages.placeholders import placeholders
from shop.pages.queries import forget_page

LIMITS = {"title": 120, "description": 300, "body_markdown": 100_000}
FIELDS = tuple(LIMITS)


class InvalidPage(ValueError):
    """Page text that cannot be saved; `errors` names each field's problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class StalePage(ValueError):
    """Someone saved the page after this editor opened it: saving would undo their change."""


def validate(data: Mapping[str, str]) -> dict[str, str]:
    """The page's fields from a form, checked; raises InvalidPage naming every problem."""
    values = {name: (data.get(name) or "").replace("\r\n", "\n").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "A page needs a title."
    if not values["body_markdown"]:
        errors["body_markdown"] = "A page needs some text."
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = f"Keep this to {limit:,} characters (it has {len(values[name]):,})."
    unknown = unknown_placeholders(values["body_markdown"], placeholders())
    if unknown:
        names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        errors["body_markdown"] = f"Unknown placeholder {names}: use one from the list."
    if errors:
        raise InvalidPage(errors)
    values["body_markdown"] += "\n"
    return values


def snapshot(page: ShopPage) -> dict[str, str]:
    """The audited fields of a page."""
    return {name: getattr(page, name) for name in FIELDS}


def save_page(page: ShopPage, data: Mapping[str, str], based_on: int, actor: Actor,
              now: datetime, note: str = "") -> PageRevision | None:
    """Save the form's text as the page's next revision (committed); None if nothing changed.

    `based_on` is the revision the editor started from: if another has been saved since,
    StalePage is raised and nothing changes.
    """
    values = validate(data)
    if page.revision != based_on:
        raise StalePage(f"Revision {page.revision} was saved by {page.updated_by} after you "
                        "opened this page.")
    changes = diff(snapshot(page), values)
    if not changes:
        return None
    for name, value in values.items():
        setattr(page, name, value)
    page.revision += 1
    page.updated_at, page.updated_by = now, actor.label
    revision = PageRevision(number=page.revision, created_at=now, author=actor.label, note=note,
                            **values)
    page.revisions.append(revision)
    if note:
        changes["note"] = note
    record(actor, "page.restore" if note else "page.update", "page", page.slug, changes, now)
    forget_page(page.slug)
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Another editor's save took this revision number between our check and commit.
        db.session.rollback()
        raise StalePage("Another revision was saved at the same moment.") from exc
    return revision


def restore(page: ShopPage, revision: PageRevision, based_on: int, actor: Actor,
            now: datetime) -> PageRevision | None:
    """Make an earlier revision's text current again, as a new revision (committed)."""
    return save_page(page, snapshot(revision), based_on, actor, now,
                     note=f"restored revision {revision.number}")


def revision_of(page: ShopPage, number: int) -> PageRevision | None:
    """One of the page's revisions by its number."""
    return next((r for r in page.revisions if r.number == number), None)
