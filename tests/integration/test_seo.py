"""What search engines read: the sitemap of every public page and robots.txt."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from blog.seed import seed_blog
from blog.services import save_post
from shop.extensions import db
from shop.models import Product

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CATALOGUE = json.loads((Path(__file__).parents[2] / "shop" / "data" / "catalogue.json").read_text())
BASE = "http://localhost"

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture(autouse=True)
def blog(app: Flask, catalogue: None, clock) -> None:
    """The seeded article, a draft, and one product taken off sale."""
    with app.app_context():
        seed_blog(db.session)
        save_post(db.session, {"title": "Draft news", "published": False}, now=clock.now())
        db.session.execute(
            update(Product).where(Product.slug == "kefir-soap-bar").values(active=False)
        )
        db.session.commit()


def sitemap_entries(client: FlaskClient) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    entries = {}
    for url in root:
        assert url.tag == f"{SITEMAP}url"
        lastmod = url.find(f"{SITEMAP}lastmod")
        entries[url.find(f"{SITEMAP}loc").text] = None if lastmod is None else lastmod.text
    return entries


def test_sitemap_lists_the_catalogue_pages_and_the_published_posts(client: FlaskClient):
    entries = sitemap_entries(client)
    expected = {f"{BASE}/", f"{BASE}/products/", f"{BASE}/blog/"}
    expected |= {f"{BASE}/products/?category={c['slug']}" for c in CATALOGUE["categories"]}
    on_sale = [p["slug"] for p in CATALOGUE["products"] if p["slug"] != "kefir-soap-bar"]
    expected |= {f"{BASE}/products/{slug}" for slug in on_sale}
    expected.add(f"{BASE}/blog/how-kefir-effects-your-mood-and-mental-health")
    assert set(entries) == expected
    assert len(entries) == 3 + 4 + 20 + 1


def test_sitemap_dates_posts_and_leaves_out_drafts_and_products_off_sale(client: FlaskClient):
    entries = sitemap_entries(client)
    assert entries[f"{BASE}/blog/how-kefir-effects-your-mood-and-mental-health"] == (
        "2026-11-20T09:00:00+00:00"
    )
    assert entries[f"{BASE}/blog/"] == "2026-11-20T09:00:00+00:00"
    assert not any("draft-news" in loc or "kefir-soap-bar" in loc for loc in entries)


def test_every_sitemap_address_is_a_page_that_answers(client: FlaskClient):
    for loc in sitemap_entries(client):
        assert client.get(loc.removeprefix(BASE)).status_code == 200, loc


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_private_pages(
    client: FlaskClient,
):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    for path in ("/basket", "/checkout", "/admin/", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines and "Disallow: /blog/" not in lines
