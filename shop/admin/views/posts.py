"""Blog posts: write in Markdown with a preview, publish and unpublish, link products."""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from blog.models import Post
from shop.admin import bp
from shop.admin.audit import history
from shop.admin.auth import web_actor
from shop.admin.posts import InvalidPost, delete_post, render_markdown, save, search_posts, snapshot
from shop.admin.views.forms import done, page_number, ticked
from shop.extensions import db
from shop.models import Product
from shop.web import now


def _post_or_404(post_id: int) -> Post:
    return db.get_or_404(Post, post_id, description="There is no such post.")


def _page(post: Post) -> str:
    return url_for("admin.post_edit", post_id=post.id)


def _submitted(form: MultiDict) -> dict:
    """The form's fields in the admin JSON shape: tags from commas, products from boxes."""
    data = {
        "title": form.get("title", ""),
        "excerpt": form.get("excerpt", ""),
        "body_markdown": form.get("body_markdown", "").replace("\r\n", "\n"),
        "tags": [name.strip() for name in form.get("tags", "").split(",") if name.strip()],
        "products": form.getlist("products"),
    }
    slug = form.get("slug", "").strip()
    if slug:
        data["slug"] = slug
    return data


def _form(post: Post | None, values: dict, error: str | None = None, preview: str | None = None,
          status: int = 200):
    products = db.session.scalars(select(Product).order_by(Product.name)).all()
    return (
        render_template(
            "admin/posts/form.html",
            post=post,
            values=values,
            error=error,
            preview=preview,
            products=products,
            history=history("post", post.slug) if post else [],
        ),
        status,
    )


def _values_of(post: Post) -> dict:
    """The post as its form shows it: the audited fields, tags typed with commas."""
    values = snapshot(post)
    return values | {"tags": ", ".join(values["tags"])}


def _form_values(form: MultiDict) -> dict:
    return form.to_dict() | {"products": form.getlist("products")}


@bp.get("/posts/")
def posts():
    """Drafts first, then published posts, newest first."""
    q = request.args.get("q", "").strip()[:200]
    return render_template("admin/posts/list.html", result=search_posts(q, page=page_number()), q=q)


@bp.route("/posts/new", methods=["GET", "POST"])
def post_new():
    """Write a new post (saved as a draft); Preview shows it without saving."""
    return _write(None)


@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
def post_edit(post_id: int):
    """Edit a post; Preview shows the change without saving."""
    return _write(_post_or_404(post_id))


def _write(post: Post | None):
    if request.method == "GET":
        if post is None:
            return _form(None, {})
        return _form(post, _values_of(post), preview=post.body_html)
    data = _submitted(request.form)
    if request.form.get("action") == "preview":
        return _form(post, _form_values(request.form),
                     preview=render_markdown(data["body_markdown"]))
    try:
        saved = save(data, web_actor(), now(), post)
    except InvalidPost as exc:
        return _form(post, _form_values(request.form), str(exc), status=exc.status)
    return done(f"“{saved.title}” was saved{'' if post else ' as a draft'}.", _page(saved))


@bp.post("/posts/<int:post_id>/publish")
def post_publish(post_id: int):
    """Publish (published=1) or unpublish (published=0) a post."""
    post = _post_or_404(post_id)
    published = ticked("published")
    save({"published": published}, web_actor(), now(), post)
    return done(f"“{post.title}” is {'published' if published else 'back to draft'}.", _page(post))


@bp.post("/posts/<int:post_id>/delete")
def post_delete(post_id: int):
    """Delete a post for good."""
    post = _post_or_404(post_id)
    delete_post(post, web_actor(), now())
    return done(f"“{post.title}” was deleted.", url_for("admin.posts"))
