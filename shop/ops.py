"""Commands the production services run besides the shop's own: the one-shot migration's
information pages, and the health check of containers that serve no HTTP (the worker)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from shop.extensions import db
from shop.transaction import transaction


@click.command("seed-pages")
@with_appcontext
def seed_pages() -> None:
    """Add the information pages (terms, privacy, delivery…) that are missing; no demo data."""
    from shop.pages.seed import seed_pages as seed
    from shop.web import now

    with transaction():
        added = seed(db.session, now())
    click.echo(f"Added {added} information pages.")


@click.command("check-services")
@with_appcontext
def check_services() -> None:
    """Exit 1 unless the database and the jobs' Redis answer (the worker's health check)."""
    from shop.jobs import queue_url

    problems = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", said plainly
        problems.append(f"database: {exc}")
    url = queue_url(current_app._get_current_object())
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        try:
            redis.Redis.from_url(url, **current_app.config["REDIS_TIMEOUTS"]).ping()
        except redis.RedisError as exc:
            problems.append(f"redis: {exc}")
    if problems:
        raise click.ClickException("; ".join(problems))
    click.echo("ok")


def init_app(app: Flask) -> None:
    """Register the operations commands."""
    app.cli.add_command(seed_pages)
    app.cli.add_command(check_services)
