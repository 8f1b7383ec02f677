"""Friendly error pages: in the shop's design, with a search box and the chat, never a trace."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.errors import BARE_PAGE
from shop.extensions import limiter


def looks_after_the_visitor(page: str) -> None:
    """What every error page offers: the search, the chat, the way home, no internals."""
    assert '<form class="search error-search" role="search" method="get" action="/products/">' in (
        page)
    assert '<input id="error-q" name="q" type="search"' in page
    assert 'href="/support/">Ask us on live chat</a>' in page
    assert 'data-chat-status="online"' in page  # the header, as on every page
    assert '<footer class="site-footer">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert "Traceback" not in page and "werkzeug" not in page.lower()


def test_an_unknown_address_is_a_friendly_404(client: FlaskClient):
    response = client.get("/no-such-thing")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1 id=\"error-heading\">We couldn’t find that page</h1>" in page
    assert "The link may be old, or the address mistyped." in page
    assert "The requested URL was not found" not in page  # werkzeug's words, not ours
    looks_after_the_visitor(page)


@pytest.mark.usefixtures("catalogue")
def test_an_unknown_product_says_so_in_the_shops_words(client: FlaskClient):
    page = client.get("/products/no-such-kefir").get_data(as_text=True)
    assert "We could not find that product." in page
    looks_after_the_visitor(page)


def test_an_unexpected_failure_is_a_friendly_500_without_internals(app: Flask):
    @app.get("/boom")
    def boom():
        raise RuntimeError("database password is hunter2")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in page and "nothing you did caused it" in page
    assert "hunter2" not in page and "RuntimeError" not in page and "Traceback" not in page
    looks_after_the_visitor(page)


def test_a_rate_limited_page_is_a_friendly_429_without_the_limiters_jargon(app: Flask):
    @app.get("/busy")
    @limiter.limit("1 per minute")
    def busy():
        return "ok"

    client = app.test_client()
    assert client.get("/busy").status_code == 200
    response = client.get("/busy")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Slow down a moment" in page and "a lot of requests in a short time" in page
    assert "1 per 1 minute" not in page
    assert response.headers["Retry-After"]
    looks_after_the_visitor(page)


def test_an_error_page_that_cannot_be_drawn_still_answers_plainly(app: Flask):
    def broken() -> None:
        raise RuntimeError("the header could not be drawn")

    app.jinja_env.globals["basket_count"] = broken
    response = app.test_client().get("/no-such-thing")
    assert response.status_code == 404
    assert response.get_data(as_text=True) == BARE_PAGE.format(status=404)


def test_the_api_still_answers_problems_as_json(client: FlaskClient):
    response = client.get("/api/v1/products/no-such-kefir")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
