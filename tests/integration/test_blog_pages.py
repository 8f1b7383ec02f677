"""The blog's pages: listing, tags, pages, drafts, bad input, SEO tags, JSON-LD and the feed."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from blog.models import Post
from blog.services import save_post
from shop.clock import FixedClock
from shop.extensions import db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def add_post(app: Flask, clock: FixedClock):
    """Save a post through the service the admin uses; published unless told otherwise."""

    def add(title: str, day: int, **fields) -> None:
        data = {
            "title": title,
            "body_markdown": f"Opening words of {title}.\n\n## More\n\nThe rest.",
            "published": True,
            "published_at": f"2026-11-{day:02d}T09:00:00+00:00",
            **fields,
        }
        with app.app_context():
            save_post(db.session, data, now=clock.now())
            db.session.commit()

    return add


@pytest.fixture
def three_posts(add_post) -> None:
    add_post("Brewing water kefir", 3, tags=["Recipes"])
    add_post("Caring for your grains", 10, tags=["Grains", "Recipes"])
    add_post("Kefir and sleep", 17, tags=["Science"])
    add_post("Secret launch plans", 24, tags=["Secret"], published=False)


def titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/blog/[^"]+">([^<]+)</a></h2>', html)


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


@pytest.mark.usefixtures("three_posts")
def test_blog_lists_published_posts_newest_first(client: FlaskClient):
    html = client.get("/blog/").get_data(as_text=True)
    assert titles(html) == ["Kefir and sleep", "Caring for your grains", "Brewing water kefir"]
    assert "Opening words of Kefir and sleep." in html


@pytest.mark.usefixtures("three_posts")
def test_blog_pages_through_posts(app: Flask, client: FlaskClient):
    app.config["POSTS_PER_PAGE"] = 2
    first = client.get("/blog/").get_data(as_text=True)
    assert titles(first) == ["Kefir and sleep", "Caring for your grains"]
    assert 'rel="next" href="/blog/?page=2"' in first
    second = client.get("/blog/?page=2").get_data(as_text=True)
    assert titles(second) == ["Brewing water kefir"]
    assert "Page 2 of 2" in second


@pytest.mark.usefixtures("three_posts")
def test_tag_filter_shows_only_posts_with_that_tag(app: Flask, client: FlaskClient):
    html = client.get("/blog/?tag=recipes").get_data(as_text=True)
    assert titles(html) == ["Caring for your grains", "Brewing water kefir"]
    assert "<h1>Posts about Recipes</h1>" in html
    app.config["POSTS_PER_PAGE"] = 1
    html = client.get("/blog/?tag=recipes&page=2").get_data(as_text=True)
    assert titles(html) == ["Brewing water kefir"]
    assert 'href="/blog/?page=1&amp;tag=recipes"' in html


@pytest.mark.usefixtures("three_posts")
def test_drafts_are_invisible_to_the_public(client: FlaskClient):
    assert client.get("/blog/secret-launch-plans").status_code == 404
    assert "Secret launch plans" not in client.get("/blog/").get_data(as_text=True)
    assert "Secret launch plans" not in client.get("/blog/feed.xml").get_data(as_text=True)
    assert "secret-launch-plans" not in client.get("/sitemap.xml").get_data(as_text=True)
    # A tag only a draft carries is unknown too, and is not offered as a topic.
    assert client.get("/blog/?tag=secret").status_code == 404
    assert "?tag=secret" not in client.get("/blog/").get_data(as_text=True)


def test_unpublishing_a_post_hides_it_again(app: Flask, client: FlaskClient, add_post, clock):
    add_post("Short lived", 5)
    assert client.get("/blog/short-lived").status_code == 200
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "short-lived"))
        save_post(db.session, {"published": False}, now=clock.now(), post=post)
        db.session.commit()
    assert client.get("/blog/short-lived").status_code == 404


def test_an_edited_post_reads_as_edited_at_once(app: Flask, client: FlaskClient, add_post, clock):
    add_post("Short lived", 5)
    assert "The rest." in client.get("/blog/short-lived").get_data(as_text=True)
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "short-lived"))
        save_post(db.session, {"body_markdown": "Closing words."}, now=clock.now(), post=post)
        db.session.commit()
    html = client.get("/blog/short-lived").get_data(as_text=True)
    assert "Closing words." in html and "The rest." not in html


@pytest.mark.usefixtures("three_posts")
def test_a_post_names_the_host_it_was_asked_for_never_one_seen_before(client: FlaskClient):
    """The shared part of an article holds absolute links, so it is kept per host: a request
    with a forged Host header cannot plant its links in the page other readers get."""
    forged = client.get("/blog/kefir-and-sleep", headers={"Host": "evil.example"})
    assert 'href="http://evil.example/blog/kefir-and-sleep"' in forged.get_data(as_text=True)
    html = client.get("/blog/kefir-and-sleep").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/blog/kefir-and-sleep">' in html
    assert "evil.example" not in html


@pytest.mark.usefixtures("three_posts")
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=0", 400),
        ("page=-1", 400),
        ("page=abc", 400),
        ("page=1.5", 400),
        ("page=%EF%BC%91", 400),
        ("page=99999999999999999999", 400),
        ("page=10001", 400),
        ("page=2", 404),
        ("page=9999", 404),
        ("tag=nope", 404),
        ("tag=Recipes", 404),
        ("tag=%00", 404),
        ("tag=%3Cscript%3E", 404),
        ("tag=" + "a" * 500, 404),
        ("tag=recipes&page=3", 404),
        ("tag=recipes&page=x", 400),
    ],
)
def test_bad_blog_queries_get_a_clear_4xx_page(client: FlaskClient, query: str, status: int):
    response = client.get(f"/blog/?{query}")
    assert response.status_code == status
    assert "text/html" in response.content_type
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.usefixtures("three_posts")
@pytest.mark.parametrize(
    "path",
    ["/blog/no-such-post", "/blog/Kefir-And-Sleep", "/blog/%00", "/blog/" + "a" * 1000,
     "/blog/kefir%20and%20sleep", "/blog/%3Cscript%3E", "/blog/kefir-and-sleep/extra"],
)  # fmt: skip
def test_unknown_post_slugs_are_a_404_page(client: FlaskClient, path: str):
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_an_empty_blog_says_so_and_its_feed_is_still_valid(client: FlaskClient):
    html = client.get("/blog/").get_data(as_text=True)
    assert "No posts yet" in html
    feed = ET.fromstring(client.get("/blog/feed.xml").data)
    assert feed.find(f"{ATOM}updated").text and feed.findall(f"{ATOM}entry") == []


@pytest.mark.usefixtures("three_posts")
def test_every_blog_page_has_its_own_title_and_description(app: Flask, client: FlaskClient):
    app.config["POSTS_PER_PAGE"] = 2
    seen_titles, seen_descriptions = set(), set()
    for path in ["/blog/", "/blog/?page=2", "/blog/?tag=recipes", "/blog/?tag=science",
                 "/blog/kefir-and-sleep", "/blog/brewing-water-kefir", "/"]:  # fmt: skip
        html = client.get(path).get_data(as_text=True)
        seen_titles.add(re.search(r"<title>(.*?)</title>", html).group(1))
        seen_descriptions.add(re.search(r'<meta name="description" content="([^"]*)"', html)[1])
    assert len(seen_titles) == 7 and len(seen_descriptions) == 7


@pytest.mark.usefixtures("three_posts")
def test_post_page_has_canonical_url_open_graph_and_feed_link(client: FlaskClient):
    html = client.get("/blog/kefir-and-sleep").get_data(as_text=True)
    url = "http://localhost/blog/kefir-and-sleep"
    assert "<title>Kefir and sleep | Kefir Shop</title>" in html
    assert '<meta name="description" content="Opening words of Kefir and sleep.">' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Kefir and sleep">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:description" content="Opening words of Kefir and sleep.">' in html
    assert 'type="application/atom+xml"' in html and 'href="http://localhost/blog/feed.xml"' in html


@pytest.mark.usefixtures("three_posts")
def test_blog_index_pages_point_at_their_canonical_address(app: Flask, client: FlaskClient):
    app.config["POSTS_PER_PAGE"] = 2
    assert '<link rel="canonical" href="http://localhost/blog/">' in client.get(
        "/blog/?page=1"
    ).get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/blog/?page=2">' in client.get(
        "/blog/?page=2"
    ).get_data(as_text=True)


@pytest.mark.usefixtures("three_posts")
def test_post_page_carries_blog_posting_json_ld(client: FlaskClient):
    data = json_ld(client.get("/blog/caring-for-your-grains").get_data(as_text=True))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Caring for your grains"
    url = "http://localhost/blog/caring-for-your-grains"
    assert data["url"] == data["mainEntityOfPage"]["@id"] == url
    assert data["datePublished"] == "2026-11-10T09:00:00+00:00"
    assert data["author"]["name"] == "Kefir Shop"
    assert data["publisher"]["name"] == "Kefir Shop"
    assert data["keywords"] == ["Grains", "Recipes"]


def test_a_title_holding_script_tags_cannot_break_out_of_the_json_ld(
    client: FlaskClient, add_post
):
    title = '</script><script>alert("x")</script><!--'
    add_post(title, 4, slug="sneaky")
    html = client.get("/blog/sneaky").get_data(as_text=True)
    assert html.count("<script") == 3  # two JSON-LD blocks and shop.js, nothing else
    assert "<script>alert" not in html and "</script><!--" not in html
    assert json_ld(html)["headline"] == title
    assert "&lt;/script&gt;&lt;script&gt;" in html  # the <h1> and <title> show it as text


@pytest.mark.usefixtures("three_posts")
def test_atom_feed_lists_published_posts_with_the_required_elements(client: FlaskClient):
    response = client.get("/blog/feed.xml")
    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == "http://localhost/blog/feed.xml"
    assert feed.find(f"{ATOM}title").text == "The Kefir Shop blog"
    assert feed.find(f"{ATOM}updated").text == "2026-11-25T11:45:00+00:00"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": "http://localhost/blog/feed.xml",
        "alternate": "http://localhost/blog/",
    }
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Kefir and sleep", "Caring for your grains", "Brewing water kefir",
    ]  # fmt: skip
    for entry in entries:
        for name in ("id", "title", "updated", "published", "summary", "content"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}author/{ATOM}name").text == "Kefir Shop"
        link = entry.find(f"{ATOM}link")
        assert link.get("rel") == "alternate" and link.get("href") == entry.find(f"{ATOM}id").text
    content = entries[0].find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text.startswith("<p>Opening words of Kefir and sleep.</p>")
    assert entries[0].find(f"{ATOM}published").text == "2026-11-17T09:00:00+00:00"


@pytest.mark.usefixtures("three_posts")
def test_a_blog_page_links_to_the_feed(client: FlaskClient):
    html = client.get("/blog/").get_data(as_text=True)
    assert '<a href="/blog/feed.xml">Subscribe to the feed</a>' in html
