"""The article kept in the repo is the shop's original page, word for word."""

import re
from pathlib import Path

from blog.seed import DATA, read_post_file
from tests.machine import require

ROOT = Path(__file__).resolve().parents[2]
SEED_PAGE = ROOT.parent / "shared" / "seed" / "000_593c36f1f2ae84e0.txt"
ARTICLE = DATA / "how-kefir-effects-your-mood-and-mental-health.md"
#: Lines of the original page that are not the article: the site header and the dead links.
NOT_ARTICLE = {
    "Live Chat 8am - 8pm",
    "FREE Next Day Delivery on orders over £25",
    "FREE lifetime support",
    "link to article",
}


def markdown_blocks(markdown: str) -> list[str]:
    """The text of each heading, paragraph and list item, Markdown markers removed."""
    blocks = []
    for line in markdown.splitlines():
        line = line.strip()
        if line and line != "## References":
            blocks.append(re.sub(r"^(## |\d+\. )", "", line))
    return blocks


def test_the_article_file_has_its_title_date_and_published_flag():
    data = read_post_file(ARTICLE)
    assert data["title"] == "How Kefir Effects Your Mood & Mental Health"
    assert data["slug"] == "how-kefir-effects-your-mood-and-mental-health"
    assert data["published"] is True
    assert data["published_at"].tzinfo is not None


def test_the_article_file_holds_the_seed_page_word_for_word():
    if not SEED_PAGE.exists():
        # CI always has ../shared/ beside the repo; a lone laptop clone may not.
        require(f"the seed page {SEED_PAGE} is not beside the repo")
    lines = [line.strip() for line in SEED_PAGE.read_text(encoding="utf-8").splitlines()]
    seed = [line for line in lines if line and line not in NOT_ARTICLE]
    seed = [re.sub(r"^\d+\. ", "", line) for line in seed]
    data = read_post_file(ARTICLE)
    assert [data["title"], *markdown_blocks(data["body_markdown"])] == seed
