"""A pooled PostgreSQL connection that died while idle is replaced before a request uses it."""

from __future__ import annotations

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, select

from shop.extensions import db

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: a file (SQLite) has no server to cut the connection."""
    return postgres_url


@pytest.fixture(autouse=True)
def ping_after_any_idle_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PING_AFTER_IDLE", "0")


def pooled_backend(app: Flask) -> int:
    """The server process behind the connection the pool lends out next."""
    with app.app_context():
        db.session.execute(select(1))
        pid = db.session.connection().connection.dbapi_connection.info.backend_pid
        db.session.remove()
    return pid


def test_a_connection_the_server_cut_while_idle_is_replaced_before_the_page_reads(
    app: Flask, client: FlaskClient, postgres_url: str
):
    cut = pooled_backend(app)
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (cut,)).fetchone() == (True,)
    assert client.get("/products/live-milk-kefir-grains").status_code == 200
    assert pooled_backend(app) != cut
