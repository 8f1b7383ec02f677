"""Done once, sent lean: fingerprinted static files, compression and conditional GETs."""

import gzip
import re
import time
from datetime import datetime

import brotli
import pytest
from flask import Flask, make_response, session, url_for
from flask.testing import FlaskClient

from shop import ROOT
from shop.domain import LONDON

pytestmark = pytest.mark.usefixtures("catalogue")

CSS = (ROOT / "static" / "css" / "shop.css").read_bytes()


def static_url(app: Flask, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_static_urls_carry_the_files_content_hash(app: Flask):
    assert re.fullmatch(r"/static/css/shop\.[0-9a-f]{12}\.css", static_url(app, "css/shop.css"))
    assert re.fullmatch(
        r"/static/img/products/kefir-soap-bar\.[0-9a-f]{12}\.svg",
        static_url(app, "img/products/kefir-soap-bar.svg"),
    )


def test_pages_link_only_fingerprinted_static_files(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert links
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", link) for link in links), links


def test_fingerprinted_static_file_is_cached_for_a_year_as_immutable(
    app: Flask, client: FlaskClient
):
    response = client.get(static_url(app, "css/shop.css"))
    assert response.status_code == 200
    assert response.data == CSS
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(("accept", "encoding", "decode"), [
    ("gzip, deflate, br", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
])
def test_static_text_is_sent_compressed_in_an_encoding_the_browser_accepts(
    app: Flask, client: FlaskClient, accept, encoding, decode
):
    response = client.get(static_url(app, "css/shop.css"), headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert decode(response.data) == CSS


def test_static_file_is_sent_plain_to_a_client_that_accepts_no_compression(
    app: Flask, client: FlaskClient
):
    response = client.get(static_url(app, "css/shop.css"))
    assert "Content-Encoding" not in response.headers
    assert response.data == CSS


def test_static_file_answers_304_to_a_client_holding_it(app: Flask, client: FlaskClient):
    url = static_url(app, "css/shop.css")
    etag = client.get(url, headers={"Accept-Encoding": "br"}).headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_plain_static_name_still_works_but_must_be_revalidated(client: FlaskClient):
    response = client.get("/static/css/shop.css")
    assert response.status_code == 200 and response.data == CSS
    assert "immutable" not in response.headers["Cache-Control"]
    assert "no-cache" in response.headers["Cache-Control"]


def test_stale_fingerprint_gets_todays_file_but_never_a_year_in_cache(client: FlaskClient):
    response = client.get("/static/css/shop.000000000000.css")
    assert response.status_code == 200 and response.data == CSS
    assert "immutable" not in response.headers["Cache-Control"]


def test_unknown_static_file_is_404(client: FlaskClient):
    assert client.get("/static/css/nothing-here.css").status_code == 404


PAGES = ["/", "/products/", "/products/live-milk-kefir-grains"]


@pytest.mark.parametrize("path", PAGES)
def test_a_first_visit_gets_its_page_gzipped_and_revalidated(client: FlaskClient, path):
    response = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "<h1>" in gzip.decompress(response.data).decode()
    # Revalidated every time, and never kept by a shared cache: each page carries this
    # visitor's CSRF token for its add-to-basket forms.
    assert set(response.headers["Cache-Control"].split(", ")) == {"no-cache", "private"}
    assert response.headers["ETag"].startswith('W/"')


@pytest.mark.parametrize("path", PAGES)
def test_a_first_visits_etag_is_its_pages_when_rendered_in_full_on_return(
    client: FlaskClient, path
):
    """The spliced gzip holds exactly the page a returning visitor's full rendering makes."""
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    again = client.get(path, headers={"Accept-Encoding": "br"})  # now with its cookie
    assert again.headers["Content-Encoding"] == "br"
    assert brotli.decompress(again.data) == gzip.decompress(first.data)
    assert again.headers["ETag"] == first.headers["ETag"]
    current = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert current.status_code == 304


def test_a_page_with_forms_is_still_current_a_second_later(client: FlaskClient):
    """Its CSRF token is the session's, not re-signed each second, so the ETag holds."""
    first = client.get("/products/")
    time.sleep(1.1)
    again = client.get("/products/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_every_page_of_a_session_carries_the_same_valid_csrf_token(client: FlaskClient):
    tokens = {
        re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]
        for path in ("/", "/products/", "/products/live-milk-kefir-grains")
    }
    assert len(tokens) == 1
    form = {"csrf_token": tokens.pop(), "slug": "live-milk-kefir-grains", "quantity": "1"}
    response = client.post("/basket/items", data=form)
    assert response.status_code == 303


@pytest.mark.parametrize(
    "path", ["/products/", "/api/v1/products", "/api/v1/products/kefir-soap-bar"]
)
def test_page_or_api_answer_is_304_when_the_client_holds_the_current_version(client, path):
    etag = client.get(path).headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_page_etag_changes_when_live_chat_opens(client: FlaskClient, clock):
    clock.at = datetime(2026, 11, 25, 7, 59, tzinfo=LONDON)
    before = client.get("/products/").headers["ETag"]
    clock.at = datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)
    after = client.get("/products/", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert 'data-chat-status="online"' in after.get_data(as_text=True)
    assert after.headers["ETag"] != before


def test_page_etag_changes_when_a_price_changes(app: Flask, client: FlaskClient, clock):
    from sqlalchemy import select

    from shop.admin.audit import Actor
    from shop.admin.catalogue import update_product
    from shop.extensions import db
    from shop.models import Product

    path = "/products/kefir-soap-bar"
    before = client.get(path).headers["ETag"]
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.slug == "kefir-soap-bar"))
        update_product(product, {"price_pence": 999}, Actor(None, "cli"), clock.now())
    after = client.get(path, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "£9.99" in after.get_data(as_text=True)


def test_error_pages_carry_no_validator(client: FlaskClient):
    response = client.get("/products/no-such-thing")
    assert response.status_code == 404
    assert "ETag" not in response.headers


def test_response_that_sets_a_cookie_is_never_cached_publicly(app: Flask):
    @app.get("/remember-me")
    def remember_me():
        session["seen"] = True
        return "<p>Hello again</p>"

    @app.get("/own-cookie")
    def own_cookie():
        response = make_response("<p>Your basket</p>")
        response.headers["Cache-Control"] = "public, max-age=60"
        response.set_cookie("basket", "abc")
        return response

    client = app.test_client()
    for path in ("/remember-me", "/own-cookie"):
        response = client.get(path)
        assert "Set-Cookie" in response.headers
        cache_control = response.headers["Cache-Control"]
        assert "private" in cache_control and "public" not in cache_control, (path, cache_control)


def test_health_check_is_never_cached(client: FlaskClient):
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"



@pytest.mark.parametrize("script_root", ["", "/shop"])
def test_templates_build_the_same_static_urls_as_flask(app: Flask, script_root):
    template = app.jinja_env.from_string("{{ url_for('static', filename=name) }}")
    names = list(app.extensions["static_manifest"].by_name)
    with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
        for name in names:
            assert template.render(name=name) == url_for("static", filename=name)
        assert url_for("static", filename="css/shop.css").startswith(f"{script_root}/static/")
