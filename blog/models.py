"""Blog posts: Markdown written by staff, rendered and sanitised once per save."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.rendering import reading_minutes, render_markdown
from shop.extensions import db
from shop.models import Product, utcnow

post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)

post_products = Table(
    "post_products",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitised when the post is saved, never per request.
    body_html: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    published: Mapped[bool] = mapped_column(default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name)
    products: Mapped[list[Product]] = relationship(secondary=post_products, order_by=Product.name)

    @property
    def reading_minutes(self) -> int:
        """Minutes an average reader needs for the body."""
        return reading_minutes(self.body_html)

    @property
    def shop_products(self) -> list[Product]:
        """The recommended products still on sale."""
        return [product for product in self.products if product.active]


@event.listens_for(Post.body_markdown, "set")
def _render_body(post: Post, markdown: str | None, old: object, initiator: object) -> None:
    """Whoever sets the Markdown, the stored HTML follows it, rendered and sanitised once."""
    post.body_html = render_markdown(markdown or "")
