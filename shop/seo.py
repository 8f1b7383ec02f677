"""What search engines read: /sitemap.xml (catalogue, blog, shop pages) and /robots.txt."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, url_for
from sqlalchemy import select

from blog.queries import published_posts
from shop.catalogue.queries import categories
from shop.extensions import db
from shop.models import Product
from shop.pages import SLUGS
from shop.pages.queries import last_edits

bp = Blueprint("seo", __name__)

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Pages that only make sense to one visitor, or to programs.
PRIVATE_PATHS = ["/basket", "/checkout", "/orders/", "/admin/", "/api/"]


def sitemap_xml(pages: list[tuple[str, datetime | None]]) -> bytes:
    """A sitemap <urlset> of (absolute URL, last modified or None)."""
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for loc, lastmod in pages:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = loc
        if lastmod is not None:
            stamp = lastmod.replace(microsecond=0).isoformat()
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = stamp
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


def public_pages() -> list[tuple[str, datetime | None]]:
    """Every page worth indexing: home, catalogue, categories, products, blog, posts and the
    shop's information pages."""
    pages: list[tuple[str, datetime | None]] = [
        (url_for("catalogue.index", _external=True), None),
        (url_for("catalogue.products", _external=True), None),
    ]
    pages += [
        (url_for("catalogue.products", category=category.slug, _external=True), None)
        for category in categories()
    ]
    products = db.session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.slug)
    )
    pages += [
        (url_for("catalogue.product", slug=product.slug, _external=True), product.updated_at)
        for product in products
    ]
    posts = published_posts()
    pages.append(
        (url_for("blog.index", _external=True), max((p.updated_at for p in posts), default=None))
    )
    pages += [
        (url_for("blog.post", slug=post.slug, _external=True), post.updated_at) for post in posts
    ]
    edits = last_edits()
    pages += [
        (url_for("pages.show", slug=slug, _external=True), edits[slug])
        for slug in SLUGS if slug in edits
    ]
    return pages


@bp.get("/sitemap.xml")
def sitemap():
    """The sitemap of every public page."""
    return Response(sitemap_xml(public_pages()), content_type="application/xml; charset=utf-8")


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the shop and the blog, not baskets, checkouts or the admin."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in PRIVATE_PATHS]
    lines += ["", f"Sitemap: {url_for('seo.sitemap', _external=True)}", ""]
    return Response("\n".join(lines), content_type="text/plain; charset=utf-8")
