"""The committed migrations build the schema the models describe; the CLI seeds the demo."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from shop.extensions import db
from shop.models import Category, Product


def test_migrations_build_exactly_the_schema_of_the_models(app: Flask):
    with app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))


def test_seed_demo_loads_the_catalogue_once(app: Flask, runner: FlaskCliRunner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Seeded 21 products" in first.output
    again = runner.invoke(args=["seed-demo"])
    assert "Seeded 0 products" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Product)) == 21
        assert db.session.scalar(select(func.count()).select_from(Category)) == 4
