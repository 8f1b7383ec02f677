"""Blog pages: parse the request, call one query, render."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, render_template, request, url_for

from blog import bp
from blog.feed import atom_feed
from blog.jsonld import blog_posting, script_json
from blog.queries import (
    last_edited,
    list_posts,
    published_post_by_slug,
    published_posts,
    tag_in_use,
    tags_in_use,
)
from blog.services import is_slug
from shop.cache import key as cache_key
from shop.cache import remember
from shop.catalogue.queries import BadQuery, parse_positive
from shop.domain import LONDON
from shop.jsonld import breadcrumb_list
from shop.page_cache import render_page
from shop.web import now

SITE_NAME = "Kefir Shop"
BLOG_TITLE = "The Kefir Shop blog"
BLOG_SUBTITLE = "Kefir, gut health and brewing at home, from a small UK kefir shop."
FEED_LENGTH = 20
MAX_PAGE = 10_000


@bp.app_template_filter("long_date")
def long_date(moment: datetime) -> str:
    """A date as British readers write it, in shop time: 20 November 2026."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


@bp.get("/")
def index():
    """Published posts, newest first, a page at a time, optionally with one tag."""
    try:
        page = parse_positive(request.args.get("page"), "page", 1, MAX_PAGE)
    except BadQuery as exc:
        abort(400, str(exc))
    tag = None
    tag_slug = request.args.get("tag", "")
    if tag_slug:
        tag = tag_in_use(tag_slug) if is_slug(tag_slug) else None
        if tag is None:
            abort(404, "There are no posts with that tag.")
    result = list_posts(page, current_app.config.get("POSTS_PER_PAGE", 10), tag)
    if page > 1 and not result.items:
        abort(404, "That page of the blog does not exist.")
    return render_template("blog/index.html", result=result, tag=tag, tags=tags_in_use())


@bp.get("/<slug>")
def post(slug: str):
    """One published post; drafts and unknown slugs are the same 404.

    What every reader sees alike is rendered once per edit of the post and shared for a little
    while (CATALOGUE_CACHE_TTL), keyed by the host its absolute links name; the header, with
    the reader's basket, and the add-to-basket form, with their CSRF token, are rendered each
    time. One light query (shared for PAGE_CACHE_TTL) tells whether the post is still
    published, and which edit it is.
    """
    edited = last_edited(slug) if is_slug(slug) else None
    article = edited and remember(
        cache_key("article", request.host_url, slug, edited.isoformat()),
        current_app.config["CATALOGUE_CACHE_TTL"],
        lambda: _article(slug),
    )
    if not article:
        abort(404, "We could not find that post.")
    # An article cached before it carried a version (Redis, across a deploy) is keyed in full.
    return render_page("blog/post.html", made_from=article.get("version"), article=article)


def _article(slug: str) -> dict:
    """The parts of a post's page that are the same for every reader ({} when unpublished)."""
    item = published_post_by_slug(slug)
    if item is None:
        return {}
    url = url_for("blog.post", slug=item.slug, _external=True)
    data = blog_posting(
        item, url=url, site_name=SITE_NAME, site_url=url_for("catalogue.index", _external=True)
    )
    crumbs = breadcrumb_list([
        ("Home", url_for("catalogue.index", _external=True)),
        ("Blog", url_for("blog.index", _external=True)),
        (item.title, url),
    ])
    head = render_template("blog/_post_head.html", post=item, canonical=url,
                           json_ld=[script_json(data), script_json(crumbs)])
    body = render_template("blog/_post_body.html", post=item)
    sells = bool(item.shop_products)
    return {
        "title": item.title, "excerpt": item.excerpt, "head": head, "body": body, "sells": sells,
        # What tells pages made from this article apart (shop.page_cache): its content, as the
        # body shows its products' prices and stock, which change without an edit of the post.
        "version": cache_key(item.title, item.excerpt, head, body, str(sells)),
    }


@bp.get("/feed.xml")
def feed():
    """The Atom feed of the newest published posts."""
    document = atom_feed(
        published_posts(FEED_LENGTH),
        title=BLOG_TITLE,
        subtitle=BLOG_SUBTITLE,
        feed_url=url_for("blog.feed", _external=True),
        site_url=url_for("blog.index", _external=True),
        updated=now(),
        post_url=lambda post: url_for("blog.post", slug=post.slug, _external=True),
    )
    return Response(document, content_type="application/atom+xml; charset=utf-8")
