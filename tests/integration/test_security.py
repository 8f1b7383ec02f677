"""Security from the first line: headers, cookies, escaping and no tracebacks."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop import create_app
from tests.factories import PRODUCTION_SETTINGS


@pytest.mark.parametrize("path", ["/", "/api/v1/products", "/nope", "/healthz"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_with_a_stream_port_every_policy_lets_pages_reach_it_on_their_own_host(app: Flask):
    app.config["CHAT_STREAM_PORT"] = 5999
    app.add_url_rule("/own-policy", "own_policy", lambda: (
        "", 200, {"Content-Security-Policy": "connect-src 'self'; script-src 'self' x.test"}))
    client = app.test_client()
    shop = client.get("/", base_url="http://shop.test:5000").headers["Content-Security-Policy"]
    assert "connect-src 'self' http://shop.test:5999;" in shop
    assert "frame-ancestors 'none'" in shop
    other = client.get("/", base_url="https://[::1]").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://[::1]:5999;" in other
    own = client.get("/own-policy", base_url="http://shop.test").headers.get_all(
        "Content-Security-Policy")
    assert own == ["connect-src 'self' http://shop.test:5999; script-src 'self' x.test"]


def test_without_a_stream_port_pages_connect_only_to_their_own_origin(client: FlaskClient):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp


def test_csrf_exemptions_are_looked_up_for_form_posts_not_for_page_views(
    client: FlaskClient, monkeypatch
):
    from shop.extensions import csrf

    asked = []
    looked_up = csrf._is_exempt
    monkeypatch.setattr(csrf, "_is_exempt", lambda: asked.append(1) or looked_up())
    assert client.get("/products/").status_code == 200
    assert asked == []
    refused = client.post("/basket/items", data={"slug": "kefir-soap-bar", "quantity": "1"})
    assert refused.status_code == 400 and asked == [1]
    assert "CSRF" in refused.get_data(as_text=True)


def test_session_cookies_are_httponly_and_samesite(app: Flask):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("SHOP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_marks_cookies_secure_and_sends_hsts(monkeypatch):
    monkeypatch.setenv("SHOP_ENV", "production")
    for name, value in PRODUCTION_SETTINGS.items():
        monkeypatch.setenv(name, value)
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "max-age" in app.test_client().get("/healthz").headers["Strict-Transport-Security"]


def test_a_value_the_database_refuses_is_a_400_not_a_server_error(client: FlaskClient):
    # PostgreSQL refuses NUL in text; SQLite stores it and simply finds no such post.
    response = client.get("/blog/a%00b")
    assert response.status_code in (400, 404)
    assert "Traceback" not in response.get_data(as_text=True)
