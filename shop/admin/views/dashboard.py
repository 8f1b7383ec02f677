"""The admin's home: what needs doing today."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import func, select

from blog.models import Post
from shop.admin import bp
from shop.admin.audit import entries
from shop.admin.orders import count_by_status
from shop.extensions import db
from shop.models import OrderStatus, Product


@bp.get("/")
def dashboard():
    """Orders to dispatch, products running low, drafts, and (for admins) recent changes."""
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    low_stock = db.session.scalar(
        select(func.count()).select_from(Product)
        .where(Product.active.is_(True), Product.stock <= threshold)
    )
    drafts = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.published.is_(False))
    )
    recent = entries(per_page=10).items if current_user.is_admin else []
    return render_template(
        "admin/dashboard.html",
        to_dispatch=count_by_status(OrderStatus.PAID),
        low_stock=low_stock,
        threshold=threshold,
        drafts=drafts,
        recent=recent,
    )
