"""The shop's information pages: who we are, how to reach us, delivery, returns and the
legal pages, written by staff in Markdown and linked from every page's footer."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint


@dataclass(frozen=True)
class PageLink:
    slug: str
    #: What the footer calls the page (the page's own title is staff's to change).
    label: str


#: The pages, in the footer's order. Their text lives in the database; `seed-demo` adds any
#: that are missing from shop/pages/data/<slug>.md.
PAGES = (
    PageLink("about-us", "About us"),
    PageLink("contact", "Contact us"),
    PageLink("delivery", "Delivery"),
    PageLink("returns-and-refunds", "Returns and refunds"),
    PageLink("faq", "FAQ"),
    PageLink("terms-and-conditions", "Terms and conditions"),
    PageLink("privacy-notice", "Privacy notice"),
    PageLink("cookies", "Cookies"),
)
SLUGS = tuple(page.slug for page in PAGES)

bp = Blueprint("pages", __name__)

from shop.pages import views  # noqa: E402,F401  (views register on bp)
