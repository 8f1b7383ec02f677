"""Commands run as `flask --app shop COMMAND`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from shop.extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo catalogue and the blog article into an empty database."""
    from blog.seed import seed_blog
    from shop.catalogue.seed import seed_catalogue

    products = seed_catalogue(db.session)
    posts = seed_blog(db.session)
    db.session.commit()
    click.echo(f"Seeded {products} products and {posts} posts.")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo)
