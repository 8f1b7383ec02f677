"""The shop's information pages (About us, Delivery, Terms…) and every version of each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.rendering import render_markdown
from shop.extensions import db
from shop.models import utcnow


class ShopPage(db.Model):
    """A page staff write in Markdown; placeholders such as {{ delivery.fee }} stay in the
    stored HTML and are filled from the configuration when the page is shown."""

    __tablename__ = "shop_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    # The search result snippet (meta description).
    description: Mapped[str] = mapped_column(String(300), default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitised when the Markdown is set, never per request.
    body_html: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254), default="")

    revisions: Mapped[list[PageRevision]] = relationship(
        back_populates="page", cascade="all, delete-orphan",
        order_by="PageRevision.number.desc()",
    )


class PageRevision(db.Model):
    """One saved version of a page: its text, who saved it and when."""

    __tablename__ = "shop_page_revisions"
    # Two editors saving at once cannot both write revision n + 1.
    __table_args__ = (UniqueConstraint("page_id", "number", name="uq_page_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("shop_pages.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The editor's email as it was (or "seed-demo"), so the history reads right later.
    author: Mapped[str] = mapped_column(String(254))
    # Why this version exists when it is not a plain edit, e.g. "restored revision 2".
    note: Mapped[str] = mapped_column(String(200), default="")

    page: Mapped[ShopPage] = relationship(back_populates="revisions")


@event.listens_for(ShopPage.body_markdown, "set")
def _render_body(page: ShopPage, markdown: str | None, old: object, initiator: object) -> None:
    """Whoever sets the Markdown, the stored HTML follows it, rendered and sanitised once."""
    page.body_html = render_markdown(markdown or "")
