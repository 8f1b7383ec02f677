"""Statements run on the driver's cursor (shop.driver) read and store exactly what the Session
would, in the Session's transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import bindparam, func, insert, select, text

from shop.driver import DriverStatement
from shop.extensions import db
from shop.models import Basket, Product
from tests.factories import DEFAULT_NOW

pytestmark = pytest.mark.usefixtures("catalogue")

PRODUCTS = Product.__table__.c
BY_SLUG = select(PRODUCTS.id, PRODUCTS.name, PRODUCTS.price_pence, PRODUCTS.active,
                 PRODUCTS.created_at).where(PRODUCTS.slug == bindparam("slug"),
                                            PRODUCTS.active.is_(True))
GRAINS = {"slug": "live-milk-kefir-grains"}
NEW_BASKET = insert(Basket.__table__).returning(Basket.__table__.c.id)


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()


@pytest.mark.usefixtures("in_app")
def test_a_row_read_on_the_driver_is_the_row_the_session_reads():
    through_session = db.session.execute(BY_SLUG, GRAINS).one()
    on_driver = DriverStatement(BY_SLUG).first(db.session.connection(), GRAINS)
    assert tuple(on_driver) == tuple(through_session)
    assert on_driver._fields == tuple(through_session._fields)
    assert on_driver.active is True  # SQLite's 1, converted by the column's type
    assert on_driver.name == "Live Milk Kefir Grains"
    unknown = {"slug": "no-such-kefir"}
    assert DriverStatement(BY_SLUG).first(db.session.connection(), unknown) is None


@pytest.mark.usefixtures("in_app")
def test_a_row_written_on_the_driver_reads_back_as_one_the_session_wrote():
    values = {"token": "driver", "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW}
    statement = DriverStatement(NEW_BASKET, ["token", "created_at", "updated_at"])
    driver_id = statement.first(db.session.connection(), values).id
    session_id = db.session.execute(NEW_BASKET, values | {"token": "session"}).scalar_one()
    # As stored: SQLite keeps text, which its queries compare as text.
    stamps = text("SELECT created_at, updated_at FROM baskets WHERE id = :id")
    stored = db.session.execute(stamps, {"id": driver_id}).one()
    assert stored == db.session.execute(stamps, {"id": session_id}).one()
    read = db.session.get(Basket, driver_id)
    assert read.created_at.replace(tzinfo=None) == DEFAULT_NOW.replace(tzinfo=None)


@pytest.mark.usefixtures("in_app")
def test_a_write_on_the_driver_is_part_of_the_sessions_transaction():
    values = {"token": "rolled-back", "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW}
    statement = DriverStatement(NEW_BASKET, ["token", "created_at", "updated_at"])
    statement.first(db.session.connection(), values)
    assert db.session.scalar(select(func.count()).select_from(Basket)) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Basket)) == 0


@pytest.mark.usefixtures("in_app")
def test_a_statement_without_rows_answers_none():
    statement = DriverStatement(insert(Basket.__table__), ["token", "created_at", "updated_at"])
    values = {"token": "no-rows", "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW}
    assert statement.first(db.session.connection(), values) is None
    assert db.session.scalar(select(Basket.token)) == "no-rows"
