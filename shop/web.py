"""What every page shares: the clock, the chat indicator, the footer's company details and
the Jinja filters."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, render_template, url_for
from markupsafe import Markup

from shop.domain import LONDON
from shop.domain.chat import ChatStatus, chat_status, clock_label
from shop.domain.delivery import (
    DeliveryEstimate,
    DeliveryRule,
    bank_holidays_around,
    estimate_delivery,
)
from shop.domain.money import format_gbp


def now() -> datetime:
    """The current instant from the app's clock (a fixed one under test)."""
    return current_app.config["CLOCK"].now()


def chat_now(at: datetime | None = None) -> ChatStatus:
    """The live-chat state at `at`, or now."""
    return chat_status(at or now(), current_app.config["CHAT"])


def delivery_rule() -> DeliveryRule:
    """The free next-day delivery rule, from DELIVERY_FEE_PENCE and FREE_DELIVERY_OVER_PENCE."""
    return current_app.config["DELIVERY_RULE"]


def delivery_estimate(at: datetime | None = None) -> DeliveryEstimate:
    """Dispatch and delivery dates for an order placed at `at`, or now."""
    at = at or now()
    return estimate_delivery(
        at, current_app.config["DISPATCH_CUTOFF_TIME"], bank_holidays_around(at)
    )


def init_app(app: Flask) -> None:
    """Register the Jinja filters and the header's context."""
    app.jinja_env.filters["gbp"] = format_gbp
    app.jinja_env.filters["london"] = lambda dt: dt.astimezone(LONDON)
    app.jinja_env.filters["isoformat"] = lambda dt: dt.isoformat()

    hours = app.config["CHAT"]
    hours_label = f"{clock_label(hours.opens)} - {clock_label(hours.closes)}"
    shared = {
        "chat_hours_label": hours_label,
        "company": app.config["COMPANY"],
        "footer_links": footer_links,
        "free_delivery_over": app.config["DELIVERY_RULE"].free_over_pence,
        "chat_url": chat_url,
        "site_footer": site_footer,
    }

    @app.context_processor
    def header_context() -> dict:
        return {"chat": chat_now(), **shared}


def footer_links() -> list[tuple[str, str]]:
    """The footer's (path, label) of each information page, worked out once."""
    from shop.pages import PAGES

    extensions = current_app.extensions
    if "footer_links" not in extensions:
        extensions["footer_links"] = [
            (url_for("pages.show", slug=page.slug), page.label) for page in PAGES
        ]
    return extensions["footer_links"]


def chat_url() -> str:
    """Where "talk to us" links go: the live chat's own page (SPEC: /support/)."""
    return url_for("support.index")


def site_footer() -> Markup:
    """The footer's HTML, rendered on the first page and reused: it depends only on settings."""
    extensions = current_app.extensions
    if "site_footer" not in extensions:
        extensions["site_footer"] = Markup(render_template("_site_footer.html"))
    return extensions["site_footer"]
