"""Back-office tables: staff accounts, API tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import one_of, utcnow


class Role(StrEnum):
    ADMIN = "admin"  # everything, including staff accounts and the audit log
    STAFF = "staff"  # products, stock, orders and posts


class User(db.Model):
    """Someone who signs in to the admin."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default=Role.STAFF)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session's user id: changing it (new password, deactivation) signs the user
    # out everywhere, because old session cookies no longer name a valid id.
    session_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiToken(db.Model):
    """A bearer token for the admin API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so that people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(back_populates="tokens")


class AuditEntry(db.Model):
    """Who changed what, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    # The actor's email as it was, so the entry still reads right if the account goes.
    actor: Mapped[str] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(10))  # web, api or cli
    action: Mapped[str] = mapped_column(String(40))  # e.g. product.update, order.refund
    entity: Mapped[str] = mapped_column(String(20), index=True)  # product, order, post, user
    entity_key: Mapped[str] = mapped_column(String(160), index=True)  # slug, number or email
    # {"field": [before, after]} for updates; other facts for actions.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
