"""PostgreSQL's connections: one that died while idle is replaced before a request uses it,
and a first basket add's asynchronous commit does not outlive its statement."""

from __future__ import annotations

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, select, text

from shop.extensions import db
from tests.factories import DEFAULT_NOW

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


def test_a_first_basket_add_alone_commits_without_waiting_for_the_disk(app: Flask):
    from shop.basket.service import _FIRST_ADD

    added = {"slug": "live-milk-kefir-grains", "quantity": 1, "token": "t" * 43,
             "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW}
    with app.app_context(), db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        row = conn.execute(_FIRST_ADD, added).one()
        assert row.basket_id is not None and row.commit_setting == "off"
        # The setting ended with the statement's own transaction: the connection, which the
        # pool lends to orders next, commits synchronously again.
        assert conn.scalar(text("SHOW synchronous_commit")) == "on"
        assert conn.scalar(text("SELECT count(*) FROM basket_lines WHERE basket_id = :id"),
                           {"id": row.basket_id}) == 1
