"""The seeded kefir article: word for word on its page, with its references and products."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, update

from blog.models import Post
from blog.seed import DATA, read_post_file, seed_blog
from shop.extensions import db
from shop.models import Product

SLUG = "how-kefir-effects-your-mood-and-mental-health"
URL = f"/blog/{SLUG}"
TITLE = "How Kefir Effects Your Mood & Mental Health"
#: The five references of the original page, as a reader must see them, in order.
REFERENCES = [
    'American Association for the Advancement of Science - "Evidence mounts that gut bacteria '
    'can influence mood, prevent depression". Written by Elizabeth Pennisi on February 4, 2019',
    'Healthline - "The Gut-Brain Connection: How it Works and The Role of Nutrition". Written by '
    "Ruairi Robertson, PhD on June 28, 2018",
    'ScienceDaily - "Anxiety might be alleviated by regulating gut bacteria". Written by BMJ on '
    "May 20, 2019",
    'Frontiers - "Gut-Brain Psychology: Rethinking Psychology From the Microbiota–Gut–Brain '
    'Axis". Written by Liang S, Wu X and Jin F on September 11, 2018',
    'University of Utah - "The Microbiome and Disease". Written by Genetic Science Learning '
    "Center on July 31, 2019",
]
HEADINGS = [
    "The gut-brain connection explained",
    "How does gut bacteria affect the brain?",
    "How kefir can contribute to mental health",
]
FIRST_WORDS = "Did you know that your gut bacteria may be able to impact your mood"
LAST_WORDS = "the normal functioning of the nervous system."
RECOMMENDED = ["live-milk-kefir-grains", "milk-kefir-starter-kit", "organic-whole-milk-kefir-500ml"]


@pytest.fixture(autouse=True)
def article(app: Flask, catalogue: None) -> None:
    """The blog as seed-demo loads it."""
    with app.app_context():
        seed_blog(db.session)
        db.session.commit()


class Blocks(HTMLParser):
    """The text of each block element inside one element with a given class, in page order."""

    BLOCKS = {"h1", "h2", "h3", "p", "li"}
    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, within: str) -> None:
        super().__init__(convert_charrefs=True)
        self.within, self.depth, self.blocks, self.current = within, 0, [], None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif self.within in (dict(attrs).get("class") or "").split():
            self.depth = 1
        if self.depth and tag in self.BLOCKS:
            self.current = (tag, [])

    def handle_endtag(self, tag: str) -> None:
        if self.depth and self.current and tag == self.current[0]:
            self.blocks.append((tag, " ".join("".join(self.current[1]).split())))
            self.current = None
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.current:
            self.current[1].append(data)


def blocks(html: str, within: str) -> list[tuple[str, str]]:
    parser = Blocks(within)
    parser.feed(html)
    return parser.blocks


def source_paragraphs() -> list[str]:
    """The paragraphs of the repo's Markdown source: every block that is not a heading or list."""
    body = read_post_file(DATA / f"{SLUG}.md")["body_markdown"]
    chunks = [chunk.strip() for chunk in body.split("\n\n")]
    return [c for c in chunks if c and not c.startswith("#") and not c[0].isdigit()]


def test_seeded_article_page_shows_the_title_every_paragraph_and_the_five_references_in_order(
    client: FlaskClient,
):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    article = blocks(html, "post")
    assert article[0] == ("h1", TITLE)
    paragraphs = source_paragraphs()
    # The source itself must stay whole: seven paragraphs from the first words to the last.
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith(FIRST_WORDS) and paragraphs[-1].endswith(LAST_WORDS)
    body = blocks(html, "post-body")
    assert [text for tag, text in body if tag == "p"] == paragraphs
    assert [text for tag, text in body if tag == "h2"] == [*HEADINGS, "References"]
    assert [text for tag, text in body if tag == "li"] == REFERENCES


def test_references_link_only_the_confirmed_source_and_no_dead_links(client: FlaskClient):
    html = client.get(URL).get_data(as_text=True)
    body = html[html.index('class="post-body"') : html.index("</article>")]
    references = body[body.index("<ol>") : body.index("</ol>")]
    assert references.count("<li>") == 5
    # Only the Frontiers paper's address is confirmed (its DOI); the rest stay plain text.
    links = re.findall(r"<a [^>]*>", references)
    assert len(links) == 1
    assert 'href="https://doi.org/10.3389/fnint.2018.00033"' in links[0]
    assert "noopener" in re.search(r'rel="([^"]*)"', links[0]).group(1).split()
    assert "link to article" not in html


def test_article_page_shows_author_date_reading_time_and_tags(client: FlaskClient):
    html = client.get(URL).get_data(as_text=True)
    assert "By Kefir Shop" in html
    assert '<time datetime="2026-11-20T09:00:00+00:00">20 November 2026</time>' in html
    assert "2 min read" in html
    assert '<a class="tag" href="/blog/?tag=gut-health">Gut health</a>' in html


def test_shop_the_kefir_strip_links_each_recommended_product_to_the_catalogue(
    client: FlaskClient,
):
    html = client.get(URL).get_data(as_text=True)
    strip = html[html.index('class="shop-strip"') :]
    assert "Shop the kefir" in strip
    for slug in RECOMMENDED:
        assert f'href="/products/{slug}"' in strip
    assert "£12.00" in strip


def test_a_recommended_product_taken_off_sale_leaves_the_strip(app: Flask, client: FlaskClient):
    with app.app_context():
        db.session.execute(
            update(Product).where(Product.slug == "milk-kefir-starter-kit").values(active=False)
        )
        db.session.commit()
    html = client.get(URL).get_data(as_text=True)
    assert "/products/milk-kefir-starter-kit" not in html
    assert "/products/live-milk-kefir-grains" in html


def test_blog_index_lists_the_article_first(client: FlaskClient):
    html = client.get("/blog/").get_data(as_text=True)
    assert f'<a href="{URL}">How Kefir Effects Your Mood &amp; Mental Health</a>' in html
    assert FIRST_WORDS in html


def test_home_page_teaser_shows_the_article(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    teaser = html[html.index('class="teaser"') :]
    assert f'href="{URL}"' in teaser
    assert "How Kefir Effects Your Mood &amp; Mental Health" in teaser


def test_seed_demo_loads_the_article_into_an_empty_blog_only(app: Flask, runner: FlaskCliRunner):
    with app.app_context():
        assert seed_blog(db.session) == 0
        db.session.execute(Post.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "1 posts" in result.output
    with app.app_context():
        post = db.session.scalar(select(Post))
        assert post.title == TITLE and post.published
        assert [p.slug for p in post.products] == RECOMMENDED
        assert db.session.scalar(select(func.count()).select_from(Post)) == 1
