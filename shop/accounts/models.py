"""Customer accounts: apart from staff (shop.admin.models.User) in their own tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import (
    AddressCity,
    AddressLine,
    AddressName,
    AddressPhone,
    AddressPostcode,
    OptionalAddressLine,
    Order,
    utcnow,
)


class Customer(db.Model):
    """Someone who shops with an account; guest checkout needs none."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised and in lower case, so the unique index refuses "Ada@…" beside "ada@…".
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # Each browser session carries the generation it signed in at; adding one (signing out,
    # a new password) ends every session at once, on every app server.
    session_generation: Mapped[int] = mapped_column(default=0)
    basket_id: Mapped[int | None] = mapped_column(
        ForeignKey("baskets.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)

    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer", cascade="all, delete-orphan",
        order_by="(CustomerAddress.is_default.desc(), CustomerAddress.id)",
    )

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class CustomerAddress(db.Model):
    """A saved delivery address, offered at checkout."""

    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[AddressName]
    phone: Mapped[AddressPhone]
    line1: Mapped[AddressLine]
    line2: Mapped[OptionalAddressLine]
    city: Mapped[AddressCity]
    postcode: Mapped[AddressPostcode]
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class CustomerToken(db.Model):
    """A single-use link sent by email (verify an address, reset a password).

    Only the token's SHA-256 is stored: the database alone cannot be used to click a link.
    """

    __tablename__ = "customer_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(10))  # "verify" or "reset"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the link was sent to: a verify link for a new address changes the email.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class CustomerOrder(db.Model):
    """An order that belongs to an account.

    A table of its own rather than a column on orders: deleting the account deletes these
    rows and so detaches its orders, which the shop keeps for its accounts.
    """

    __tablename__ = "customer_orders"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
