"""The shop's tables, as typed SQLAlchemy 2.0 models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """A CHECK, named <column>_known, that `column` holds one of `values` (an enum's)."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


# A delivery address's columns, alike wherever one is kept (an order, a customer's address
# book), with the limits of shop.domain.customer's fields.
AddressName = Annotated[str, mapped_column(String(100))]
AddressPhone = Annotated[str, mapped_column(String(20), default="")]
AddressLine = Annotated[str, mapped_column(String(100))]
OptionalAddressLine = Annotated[str, mapped_column(String(100), default="")]
AddressCity = Annotated[str, mapped_column(String(60))]
AddressPostcode = Annotated[str, mapped_column(String(10))]


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    products: Mapped[list[Product]] = relationship(back_populates="category")


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    price_pence: Mapped[int]
    # Units free to sell: placing an order takes units out, a failed or expired payment puts
    # them back, so the check and the decrement are one atomic UPDATE.
    stock: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    featured: Mapped[bool] = mapped_column(default=False)
    # Chilled or live goods (kefir, grains, kits holding them) deteriorate quickly: the
    # Consumer Contracts Regulations exempt them from the 14-day right to cancel.
    perishable: Mapped[bool] = mapped_column(default=False)
    image: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(back_populates="products")

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class Basket(db.Model):
    __tablename__ = "baskets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The discount code the customer applied (upper-case), kept even when it stops applying so
    # that the basket can say so rather than silently change a price already shown.
    discount_code: Mapped[str | None] = mapped_column(String(32), default=None)

    lines: Mapped[list[BasketLine]] = relationship(
        back_populates="basket", cascade="all, delete-orphan", order_by="BasketLine.id"
    )


class BasketLine(db.Model):
    __tablename__ = "basket_lines"
    __table_args__ = (
        UniqueConstraint("basket_id", "product_id", name="uq_basket_lines_basket_product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]

    basket: Mapped[Basket] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    EXPIRED = "expired"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    REFUNDED = "refunded"


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "KS-000123", from the id once it is known; see checkout.service.place_order.
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING_PAYMENT, index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[AddressName]
    phone: Mapped[AddressPhone]
    address_line1: Mapped[AddressLine]
    address_line2: Mapped[OptionalAddressLine]
    city: Mapped[AddressCity]
    postcode: Mapped[AddressPostcode]
    subtotal_pence: Mapped[int]
    delivery_pence: Mapped[int]
    total_pence: Mapped[int]
    dispatch_date: Mapped[date]
    delivery_date: Mapped[date]
    basket_id: Mapped[int | None] = mapped_column(
        ForeignKey("baskets.id", ondelete="SET NULL"), default=None
    )
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    # Handed to the browser so that Stripe.js can confirm the payment (live mode).
    payment_client_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The code and what it took off the goods: total = subtotal - discount + delivery.
    discount_code: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    discount_pence: Mapped[int] = mapped_column(default=0)
    # The address that placed it, for MAX_PENDING_ORDERS_PER_CLIENT (shop/checkout/limits.py).
    client_address: Mapped[str] = mapped_column(String(45), default="", server_default="",
                                                index=True)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    # --- The payment lifecycle (shop.checkout.lifecycle) ---
    # Declined attempts so far, and what the bank said about the last one.
    payment_attempts: Mapped[int] = mapped_column(default=0)
    payment_error: Mapped[str] = mapped_column(String(200), default="")
    # The hold ended (expired, or too many declines): the jobs cancel the PaymentIntent, since
    # a web request never waits on Stripe for it.
    cancel_intent: Mapped[bool] = mapped_column(default=False, index=True)
    # "" (none), "pending" (recorded, Stripe not yet told) or "refunded" (Stripe has refunded).
    # Written before Stripe is called, so a crash in between is finished by the jobs.
    refund_state: Mapped[str] = mapped_column(String(10), default="", index=True)
    # Why: "admin", "unfulfillable" (paid after its stock was gone) or "outside" (Stripe's
    # dashboard, or the bank).
    refund_reason: Mapped[str] = mapped_column(String(20), default="")
    refunded_pence: Mapped[int] = mapped_column(default=0)
    refund_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    refunded_at: Mapped[datetime | None] = mapped_column(default=None)
    refund_attempts: Mapped[int] = mapped_column(default=0)
    refund_error: Mapped[str] = mapped_column(String(500), default="")
    refund_next_at: Mapped[datetime | None] = mapped_column(default=None)
    # Stripe's dispute status ("needs_response", "won", "lost"…), "" when there is none.
    dispute_status: Mapped[str] = mapped_column(String(40), default="")
    dispute_reason: Mapped[str] = mapped_column(String(60), default="")

    @property
    def needs_attention(self) -> str:
        """Why staff should look at the order's money, or "" when nothing is wrong."""
        if self.dispute_status and self.dispute_status not in ("won", "warning_closed"):
            return f"Disputed by the customer's bank ({self.dispute_status.replace('_', ' ')})"
        if self.refund_state == "pending" and self.refund_error:
            return f"Refund not yet made: {self.refund_error}"
        if self.refund_reason == "unfulfillable":
            return "Paid after its stock was gone: refunded automatically"
        return ""


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    # The name and price the customer saw when ordering, whatever the product says later.
    product_slug: Mapped[str] = mapped_column(String(120))
    product_name: Mapped[str] = mapped_column(String(200))
    unit_price_pence: Mapped[int]
    quantity: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def line_total_pence(self) -> int:
        return self.unit_price_pence * self.quantity


class StripeEvent(db.Model):
    """A webhook event already handled: its id makes replays do nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEmail(db.Model):
    """An email written in the same transaction as the change it reports; sent later.

    Queued (no sent_at, no dead_at) until a sender claims it for a lease (claimed_until) and
    sends it; sent_at is set only once the send succeeded. A failure waits until
    next_attempt_at, doubling each time; after EMAIL_MAX_ATTEMPTS it is dead (dead_at) until
    staff retry it.
    """

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, default=None)  # None: plain text only
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), default=None)
    # Given when queued, so that a resend after a crash carries the same id and the
    # customer's mail program shows one email.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)  # None: now
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    dead_at: Mapped[datetime | None] = mapped_column(default=None)


# The catalogue lists active products featured first, then by name: with this index a page
# is read straight off it instead of sorting every product (10,000 products: 7 ms → 0.1 ms).
Index("ix_products_listing", Product.active, Product.featured.desc(), Product.name, Product.id)

# The reports read orders by when they were paid, summing these columns: with every column
# in the index, a range of days is read from the index alone (shop.admin.reports).
Index("ix_orders_sales", Order.paid_at, Order.status, Order.subtotal_pence, Order.delivery_pence,
      Order.total_pence)
# Best sellers and stock cover sum the lines of those orders: read from this index alone, by
# order, the cost follows the orders in the range rather than every line ever sold.
Index("ix_order_lines_sold", OrderLine.order_id, OrderLine.product_id, OrderLine.quantity,
      OrderLine.unit_price_pence)
# The funnel counts orders and baskets by when they began; the orders list is newest first.
Index("ix_orders_created_at", Order.created_at)
Index("ix_baskets_created_at", Basket.created_at)
