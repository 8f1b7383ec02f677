"""An information page: the stored HTML with its placeholders filled from the configuration."""

from __future__ import annotations

from flask import abort
from markupsafe import Markup

from shop.domain.placeholders import fill
from shop.page_cache import render_page
from shop.pages import SLUGS, bp
from shop.pages.placeholders import html_values
from shop.pages.queries import page_content


@bp.get(f"/<any({', '.join(map(repr, SLUGS))}):slug>")
def show(slug: str):
    """About us, Contact, Delivery, Returns, FAQ, Terms, Privacy or Cookies."""
    page = page_content(slug)
    if page is None:
        abort(404, "We could not find that page.")
    # The stored HTML was sanitised when it was saved; the values are escaped HTML.
    body = Markup(fill(page.body_html, html_values()))
    return render_page("pages/page.html", page=page, body=body)
