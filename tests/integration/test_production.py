"""Production's guard rails: required settings, the hosts the shop answers to, /metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from shop import create_app
from shop.production import REQUIRED
from tests.factories import PRODUCTION_SETTINGS, empty_schema


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """SHOP_ENV=production with every required setting in the environment."""
    monkeypatch.setenv("SHOP_ENV", "production")
    for name, value in PRODUCTION_SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    return dict(PRODUCTION_SETTINGS)


@pytest.fixture
def production_app(production_env, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with empty_schema(app):
        yield app


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_production_refuses_to_start_without_a_required_setting_and_names_it(
    production_env, monkeypatch: pytest.MonkeyPatch, name: str
):
    monkeypatch.delenv(name)
    with pytest.raises(RuntimeError, match=f"refuses to start; set {name} ") as refused:
        create_app({"DATABASE_URL": "sqlite://"})
    others = set(REQUIRED) - {name}
    assert not any(re.search(rf"\b{other} \(", str(refused.value)) for other in others)


def test_production_names_every_missing_setting_at_once(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SHOP_ENV", "production")
    for name in REQUIRED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as refused:
        create_app({"DATABASE_URL": "sqlite://"})
    assert all(name in str(refused.value) for name in REQUIRED)


def test_production_refuses_a_short_secret_key(production_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="SECRET_KEY \\(at least 32 characters; it has 9\\)"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_development_needs_none_of_them(monkeypatch):
    monkeypatch.setenv("SHOP_ENV", "development")
    for name in REQUIRED:
        monkeypatch.delenv(name, raising=False)
    assert create_app({"DATABASE_URL": "sqlite://"}).config["MAIL_FROM"]


def test_a_host_outside_trusted_hosts_is_refused(production_app: Flask):
    client = production_app.test_client()
    assert client.get("/robots.txt", headers={"Host": "evil.example"}).status_code == 400
    response = client.get("/robots.txt", headers={"Host": "shop.example"})
    assert response.status_code == 200
    assert "https://shop.example/sitemap.xml" in response.get_data(as_text=True)


def test_the_sitemap_is_built_only_for_the_trusted_host(production_app: Flask):
    client = production_app.test_client()
    assert client.get("/sitemap.xml", headers={"Host": "evil.example"}).status_code == 400
    sitemap = client.get("/sitemap.xml", headers={"Host": "shop.example"}).get_data(as_text=True)
    assert "https://shop.example/" in sitemap and "evil" not in sitemap


def test_a_forwarded_host_behind_the_proxy_is_checked_too(production_env, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with empty_schema(app):
        response = app.test_client().get(
            "/robots.txt", headers={"Host": "shop.example", "X-Forwarded-Host": "evil.example"}
        )
    assert response.status_code == 400


def test_health_checks_by_address_still_answer(production_app: Flask):
    response = production_app.test_client().get("/healthz", headers={"Host": "web:8000"})
    assert response.status_code == 200


def metrics_app(production_env, monkeypatch, tmp_path: Path, token: str = "") -> Flask:
    monkeypatch.setenv("METRICS_ENABLED", "1")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    if token:
        monkeypatch.setenv("METRICS_TOKEN", token)
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                       "RATELIMIT_STORAGE_URI": "memory://"})


def test_metrics_without_a_token_answer_only_internal_addresses(
    production_env, monkeypatch, tmp_path
):
    client = metrics_app(production_env, monkeypatch, tmp_path).test_client()
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "81.2.69.160"})
    inside = client.get("/metrics", headers={"Host": "web:8000"},
                        environ_base={"REMOTE_ADDR": "172.18.0.5"})
    assert outside.status_code == 404
    assert inside.status_code == 200 and "shop_http_requests" in inside.get_data(as_text=True)


def test_metrics_with_a_token_need_it_from_every_address(production_env, monkeypatch, tmp_path):
    client = metrics_app(production_env, monkeypatch, tmp_path, token="t0ken").test_client()
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    right = client.get("/metrics", headers={"Authorization": "Bearer t0ken"},
                       environ_base={"REMOTE_ADDR": "81.2.69.160"})
    assert wrong.status_code == 404 and right.status_code == 200
