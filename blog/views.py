"""Blog views (the blog issue fills these in)."""

from flask import abort, render_template
from sqlalchemy import select

from blog import bp
from blog.models import Post
from shop.extensions import db


@bp.get("/")
def index():
    """Published posts, newest first."""
    posts = db.session.scalars(
        select(Post).where(Post.published.is_(True)).order_by(Post.published_at.desc())
    ).all()
    return render_template("blog/index.html", posts=posts)


@bp.get("/<slug>")
def post(slug: str):
    """One published post."""
    item = db.session.scalar(select(Post).where(Post.slug == slug, Post.published.is_(True)))
    if item is None:
        abort(404, "We could not find that post.")
    return render_template("blog/post.html", post=item)
