"""The audit log: every change staff make, with who, when and what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from shop.admin.models import AuditEntry, User
from shop.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who is making a change, and through which door (web, api or cli)."""

    user: User | None
    via: str

    @property
    def label(self) -> str:
        return self.user.email if self.user else self.via


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def record(actor: Actor, action: str, entity: str, key: str, changes: dict, now: datetime) -> None:
    """Add an entry in the caller's transaction, so it commits or rolls back with the change."""
    db.session.add(
        AuditEntry(
            at=now,
            user_id=actor.user.id if actor.user else None,
            actor=actor.label,
            via=actor.via,
            action=action,
            entity=entity,
            entity_key=key,
            changes=changes,
        )
    )


def entries(entity: str = "", page: int = 1, per_page: int = 50) -> Pagination:
    """Audit entries newest first, optionally about one kind of thing."""
    query = select(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    newest_first = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return db.paginate(newest_first, page=page, per_page=per_page, error_out=False)


def history(entity: str, key: str, limit: int = 50) -> list[AuditEntry]:
    """The latest entries about one thing, newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_key == key)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
