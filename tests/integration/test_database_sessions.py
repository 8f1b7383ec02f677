"""Storefront pages read outside a transaction; basket changes commit as one, read nothing back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from blog.seed import seed_blog
from shop.extensions import db

pytestmark = pytest.mark.usefixtures("catalogue")

GRAINS = "live-milk-kefir-grains"
GINGER = "ginger-lemon-water-kefir-330ml"


@pytest.fixture
def statements(app: Flask) -> Iterator[list[tuple[str, str | None]]]:
    """Each statement the app sends: its first word and the isolation level it ran under."""
    seen: list[tuple[str, str | None]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement.split()[0], conn.get_execution_options().get("isolation_level")))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_product_page_and_article_read_outside_a_transaction(
    app: Flask, client: FlaskClient, statements: list
):
    with app.app_context():
        seed_blog(db.session)
        db.session.commit()
    statements.clear()
    assert client.get(f"/products/{GRAINS}").status_code == 200
    assert client.get("/blog/how-kefir-effects-your-mood-and-mental-health").status_code == 200
    # SQLite's driver begins a transaction only to write: there reads need no telling.
    outside = None if app.config["DATABASE_URL"].startswith("sqlite") else "AUTOCOMMIT"
    assert statements and all(level == outside for _, level in statements)
    assert {word for word, _ in statements} == {"SELECT"}


def test_a_first_basket_add_reads_the_product_writes_once_and_reads_nothing_back(
    app: Flask, client: FlaskClient, statements: list
):
    answer = client.post("/api/v1/basket/items", json={"slug": GRAINS, "quantity": 2})
    assert answer.status_code == 201
    assert [line["slug"] for line in answer.json["items"]] == [GRAINS]
    assert answer.json["subtotal_pence"] == 2400
    # The product, then the new basket and its line: no reading back what was just written.
    # PostgreSQL reads the product and inserts both rows in one statement (CTEs), atomic by
    # itself, so it runs outside a transaction; SQLite takes two INSERTs in one transaction.
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert statements == [("SELECT", None), ("INSERT", None), ("INSERT", None)]
    else:
        assert statements == [("WITH", "AUTOCOMMIT")]


def test_a_refused_first_add_leaves_the_next_request_in_a_transaction_again(
    app: Flask, client: FlaskClient, statements: list
):
    unknown = client.post("/api/v1/basket/items", json={"slug": "no-such-kefir", "quantity": 1})
    assert unknown.status_code == 404
    client.post("/api/v1/basket/items", json={"slug": GRAINS, "quantity": 1})
    statements.clear()
    client.post("/api/v1/basket/items", json={"slug": GINGER, "quantity": 1})
    assert statements and all(level is None for _, level in statements)


def test_a_later_add_answers_with_every_line_priced_in_the_same_transaction(
    client: FlaskClient, statements: list
):
    client.post("/api/v1/basket/items", json={"slug": GRAINS, "quantity": 1})
    statements.clear()
    answer = client.post("/api/v1/basket/items", json={"slug": GINGER, "quantity": 2})
    assert [(line["slug"], line["quantity"]) for line in answer.json["items"]] == [
        (GRAINS, 1), (GINGER, 2)]
    assert answer.json["subtotal_pence"] == 1200 + 2 * 275
    assert all(level is None for _, level in statements)
