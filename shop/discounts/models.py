"""Discount codes as staff set them up, and the uses orders hold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shop.domain.discounts import Kind, Terms
from shop.extensions import db
from shop.models import one_of, utcnow


class DiscountCode(db.Model):
    __tablename__ = "discount_codes"
    __table_args__ = (
        one_of("kind", Kind),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("uses >= 0", name="uses_not_negative"),
        CheckConstraint("min_subtotal_pence >= 0", name="min_subtotal_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored upper-case (shop.domain.discounts.normalise_code): unique whatever the case typed.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(default=0)
    min_subtotal_pence: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    max_uses: Mapped[int | None] = mapped_column(default=None)
    #: Uses held by placed orders (pending or paid); an expired or failed order gives its use
    #: back. Reserved by a conditional UPDATE so that two buyers cannot take the last one.
    uses: Mapped[int] = mapped_column(default=0)
    once_per_customer: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def terms(self) -> Terms:
        """The code as the pure rule reads it."""
        return Terms(
            code=self.code, kind=self.kind, value=self.value,
            min_subtotal_pence=self.min_subtotal_pence, starts_at=self.starts_at,
            ends_at=self.ends_at, max_uses=self.max_uses, uses=self.uses,
            once_per_customer=self.once_per_customer, active=self.active,
        )


class DiscountUse(db.Model):
    """The use an order holds of a code, by the customer's email (lower-case)."""

    __tablename__ = "discount_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int] = mapped_column(ForeignKey("discount_codes.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          unique=True)
    email: Mapped[str] = mapped_column(String(254))
    #: Taken under a once-per-customer code: the unique index below then lets one order per
    #: email hold it, so two checkouts at once by the same customer cannot both use it.
    once: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_discount_uses_discount_email", DiscountUse.discount_id, DiscountUse.email)
Index("uq_discount_uses_once_per_customer", DiscountUse.discount_id, DiscountUse.email,
      unique=True, sqlite_where=text("once"), postgresql_where=text("once"))
