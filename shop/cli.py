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


@click.command("release-expired")
@with_appcontext
def release_expired() -> None:
    """Expire orders left unpaid past their time and put their stock back on sale."""
    from shop.checkout.orders import expire_unpaid
    from shop.web import now

    expired = expire_unpaid(now())
    click.echo(f"Expired {len(expired)} unpaid orders.")


@click.command("send-emails")
@with_appcontext
def send_emails() -> None:
    """Send the queued emails (SMTP when configured, else .eml files under instance/)."""
    from shop.mail import deliver_outbox
    from shop.web import now

    click.echo(f"Sent {deliver_outbox(now())} emails.")


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (seed_demo, release_expired, send_emails):
        app.cli.add_command(command)
