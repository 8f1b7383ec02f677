"""Staff write blog posts: Markdown with a preview, publish, unpublish, tags and products."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from blog.models import Post, Tag
from shop.admin.models import AuditEntry
from shop.extensions import db
from tests.factories import form_csrf_token

pytestmark = pytest.mark.usefixtures("catalogue")

BODY = "## Why kefir?\n\nIt is **alive**.\n\n<script>alert('x')</script>\n\n- grains\n- milk\n"


def new_post(client: FlaskClient, **fields) -> str:
    """Save a draft through the form; return the page it redirects to."""
    data = {"title": "Kefir and your mood", "excerpt": "What the studies say.",
            "body_markdown": BODY, "tags": "mood, Gut health",
            "products": ["live-milk-kefir-grains"],
            "action": "save"} | fields
    data["csrf_token"] = form_csrf_token(client, "/admin/posts/new")
    response = client.post("/admin/posts/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location


def the_post(app: Flask, slug: str = "kefir-and-your-mood") -> Post:
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == slug))
        if post is not None:
            post.tags, post.products  # load them before leaving the session  # noqa: B018
            db.session.expunge_all()
        return post


def test_a_new_post_is_a_draft_with_sanitised_html_tags_and_products(app, staff_client):
    new_post(staff_client)
    post = the_post(app)
    assert post.published is False and post.published_at is None
    assert "<h2>Why kefir?</h2>" in post.body_html and "<strong>alive</strong>" in post.body_html
    assert "<script" not in post.body_html and "alert" not in post.body_html
    assert [t.name for t in post.tags] == ["Gut health", "mood"]
    assert [p.slug for p in post.products] == ["live-milk-kefir-grains"]
    assert post.author == "packer@kefirshop.example"


def test_the_preview_shows_the_rendered_text_without_saving(app, staff_client: FlaskClient):
    token = form_csrf_token(staff_client, "/admin/posts/new")
    response = staff_client.post("/admin/posts/new", data={
        "title": "Draft", "body_markdown": "Hello *world* <img src=x onerror=alert(1)>",
        "action": "preview", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = html.split("data-preview>")[1].split("</div>")[0]
    assert "<em>world</em>" in preview and "onerror" not in preview
    assert 'value="Draft"' in html  # the form keeps what was typed
    with app.app_context():
        assert db.session.scalar(select(Post)) is None


def test_a_draft_is_not_on_the_blog_until_published_and_leaves_when_unpublished(
    app, clock, staff_client: FlaskClient, client: FlaskClient
):
    edit = new_post(staff_client)
    assert client.get("/blog/kefir-and-your-mood").status_code == 404
    token = form_csrf_token(staff_client, edit)
    staff_client.post(f"{edit}/publish", data={"published": "1", "csrf_token": token})
    post = the_post(app)
    assert post.published and post.published_at == clock.now()
    assert "Why kefir?" in client.get("/blog/kefir-and-your-mood").get_data(as_text=True)
    staff_client.post(f"{edit}/publish", data={"published": "0", "csrf_token": token})
    assert client.get("/blog/kefir-and-your-mood").status_code == 404
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "post").order_by(AuditEntry.id)
        ).all()
    assert actions == ["post.create", "post.publish", "post.unpublish"]


def test_editing_a_post_rerenders_it_and_changes_its_tags_and_products(app, staff_client):
    edit = new_post(staff_client)
    token = form_csrf_token(staff_client, edit)
    response = staff_client.post(edit, data={
        "title": "Kefir and your mood", "slug": "kefir-and-mood", "excerpt": "",
        "body_markdown": "Now *shorter*.", "tags": "mood",
        "products": ["kefir-soap-bar", "milk-kefir-starter-kit"], "action": "save",
        "csrf_token": token})
    assert response.status_code == 303
    post = the_post(app, "kefir-and-mood")
    assert post.body_html == "<p>Now <em>shorter</em>.</p>"
    assert [t.name for t in post.tags] == ["mood"]
    assert {p.slug for p in post.products} == {"kefir-soap-bar", "milk-kefir-starter-kit"}
    with app.app_context():
        assert db.session.scalar(select(Tag).where(Tag.slug == "gut-health")) is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "title must not be empty"),
        ({"slug": "Bad Slug!"}, "slug must be lower-case letters"),
        ({"products": ["no-such-product"]}, "Unknown product(s): no-such-product"),
        ({"excerpt": "x" * 501}, "excerpt must be at most 500 characters"),
    ],
)
def test_invalid_posts_are_refused_with_a_message(app, staff_client: FlaskClient, fields, message):
    data = {"title": "Fine", "body_markdown": "text", "action": "save"} | fields
    data["csrf_token"] = form_csrf_token(staff_client, "/admin/posts/new")
    response = staff_client.post("/admin/posts/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Post)) is None


def test_a_slug_in_use_is_refused(staff_client: FlaskClient):
    new_post(staff_client)
    token = form_csrf_token(staff_client, "/admin/posts/new")
    response = staff_client.post("/admin/posts/new", data={
        "title": "Kefir and your mood", "body_markdown": "again", "action": "save",
        "csrf_token": token})
    assert response.status_code == 409
    assert "Another post already uses the slug" in response.get_data(as_text=True)


def test_posts_list_drafts_first_and_can_be_deleted(app, staff_client: FlaskClient):
    edit = new_post(staff_client)
    html = staff_client.get("/admin/posts/").get_data(as_text=True)
    assert 'data-slug="kefir-and-your-mood"' in html and "draft" in html
    token = form_csrf_token(staff_client, edit)
    response = staff_client.post(f"{edit}/delete", data={"csrf_token": token})
    assert response.status_code == 303 and the_post(app) is None
    assert staff_client.get(edit).status_code == 404
