"""Saving posts from the admin JSON shape: defaults, dates, validation and post_json()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from blog.models import Post
from blog.schemas import Post as PostAnswer
from blog.services import InvalidPost, save_post
from shop.clock import FixedClock
from shop.extensions import db


@pytest.fixture
def ctx(app: Flask):
    with app.test_request_context():
        yield
        db.session.rollback()


def post_json(post: Post) -> dict:
    return PostAnswer.of(post).model_dump(mode="json")


@pytest.mark.usefixtures("ctx")
def test_a_new_post_gets_its_slug_excerpt_author_and_dates_from_what_it_has(clock: FixedClock):
    post = save_post(
        db.session,
        {"title": "Kefir & Sleep: a guide", "body_markdown": "First *words* here.\n\nMore."},
        now=clock.now(),
    )
    assert post.slug == "kefir-and-sleep-a-guide"
    assert post.excerpt == "First words here."
    assert post.author == "Kefir Shop"
    assert post.published is False and post.published_at is None
    assert post.created_at == post.updated_at == clock.now()
    assert post.body_html == "<p>First <em>words</em> here.</p>\n<p>More.</p>"


@pytest.mark.usefixtures("ctx", "catalogue")
def test_publishing_stamps_the_date_once_and_edits_move_only_the_updated_date(clock: FixedClock):
    post = save_post(db.session, {"title": "Grains", "body_markdown": "Care."}, now=clock.now())
    published = clock.now() + timedelta(days=1)
    save_post(db.session, {"published": True}, now=published, post=post)
    assert post.published_at == published
    edited = published + timedelta(days=2)
    save_post(
        db.session,
        {"body_markdown": "Care, updated.", "tags": ["Grains", "grains", "How to"],
         "products": ["live-milk-kefir-grains"]},
        now=edited,
        post=post,
    )  # fmt: skip
    assert post.published_at == published and post.updated_at == edited
    assert [tag.slug for tag in post.tags] == ["grains", "how-to"]
    assert [product.slug for product in post.products] == ["live-milk-kefir-grains"]
    assert post.body_html == "<p>Care, updated.</p>"


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body_markdown": "No title"}, "title is required"),
        ({"title": "   "}, "title must not be empty"),
        ({"title": 7}, "title must be a string"),
        ({"title": "x" * 201}, "at most 200"),
        ({"title": "Ok", "slug": "Not A Slug"}, "slug must be"),
        ({"title": "Ok", "slug": "a--b"}, "slug must be"),
        ({"title": "!!!"}, "slug must be"),
        ({"title": "Ok", "published": "yes"}, "published must be true or false"),
        ({"title": "Ok", "published_at": "yesterday"}, "ISO 8601"),
        ({"title": "Ok", "published_at": "2026-11-25T10:00:00"}, "UTC offset"),
        ({"title": "Ok", "tags": "kefir"}, "tags must be a list of strings"),
        ({"title": "Ok", "tags": ["!!!"]}, "not a usable tag name"),
        ({"title": "Ok", "products": ["no-such-product"]}, "Unknown product"),
        ({"title": "Ok", "body_markdown": "x" * 200_001}, "at most 200000"),
        ({"title": "Ok", "colour": "red"}, "Unknown field"),
    ],
)
def test_invalid_post_data_is_refused_with_a_reason(clock: FixedClock, data: dict, message: str):
    with pytest.raises(InvalidPost, match=message) as raised:
        save_post(db.session, data, now=clock.now())
    assert raised.value.status == 422


@pytest.mark.usefixtures("ctx", "catalogue")
def test_refused_changes_leave_the_post_as_it_was(clock: FixedClock):
    post = save_post(db.session, {"title": "Steady", "body_markdown": "Kept."}, now=clock.now())
    db.session.commit()
    with pytest.raises(InvalidPost, match="Unknown product"):
        save_post(
            db.session,
            {"title": "Changed", "body_markdown": "Lost.", "products": ["no-such-product"]},
            now=clock.now(),
            post=post,
        )
    assert not db.session.dirty
    assert (post.title, post.slug, post.body_html) == ("Steady", "steady", "<p>Kept.</p>")


@pytest.mark.usefixtures("ctx")
def test_a_slug_already_taken_is_a_conflict(clock: FixedClock):
    save_post(db.session, {"title": "Twice"}, now=clock.now())
    with pytest.raises(InvalidPost, match="already uses") as raised:
        save_post(db.session, {"title": "Twice"}, now=clock.now())
    assert raised.value.status == 409


@pytest.mark.usefixtures("ctx", "catalogue")
def test_post_json_has_the_admin_api_shape_and_round_trips(clock: FixedClock):
    post = save_post(
        db.session,
        {
            "title": "Water kefir basics",
            "body_markdown": "Sugar, water, grains.",
            "published": True,
            "excerpt": "All you need.",
            "tags": ["Recipes"],
            "products": ["live-water-kefir-grains"],
        },
        now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    )
    data = post_json(post)
    assert {"title", "slug", "body_markdown", "published", "excerpt"} <= set(data)
    assert data == {
        "title": "Water kefir basics",
        "slug": "water-kefir-basics",
        "body_markdown": "Sugar, water, grains.",
        "published": True,
        "excerpt": "All you need.",
        "author": "Kefir Shop",
        "published_at": "2026-11-25T10:00:00+00:00",
        "updated_at": "2026-11-25T10:00:00+00:00",
        "tags": ["Recipes"],
        "products": ["live-water-kefir-grains"],
        "url": "http://localhost/blog/water-kefir-basics",
    }
    # What GET answers can be sent back unchanged as a PATCH.
    assert save_post(db.session, data, now=clock.now(), post=post) is post
    assert post_json(post) | {"updated_at": None} == data | {"updated_at": None}


@pytest.mark.usefixtures("ctx")
def test_posts_are_stored_with_aware_dates_on_every_database(clock: FixedClock):
    save_post(db.session, {"title": "Dated", "published": True}, now=clock.now())
    db.session.commit()
    db.session.expunge_all()
    post = db.session.scalar(db.select(Post))
    assert post.published_at == clock.now() and post.published_at.tzinfo is not None
