"""Commands run as `flask --app shop COMMAND`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from shop.extensions import db
from shop.transaction import transaction


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo catalogue and the blog article into an empty database, and the shop's
    information pages that are missing."""
    from blog.seed import seed_blog
    from shop.catalogue.seed import seed_catalogue
    from shop.pages.seed import seed_pages
    from shop.web import now

    with transaction():
        products = seed_catalogue(db.session)
        posts = seed_blog(db.session)
        pages = seed_pages(db.session, now())
    click.echo(f"Seeded {products} products, {posts} posts and {pages} pages.")


@click.command("release-expired")
@with_appcontext
def release_expired() -> None:
    """Expire orders left unpaid past their time, put their stock back on sale and cancel the
    PaymentIntents of every order whose hold has ended."""
    from shop import jobs
    from shop.web import now

    click.echo(f"Expired {jobs.expire_orders(now)} unpaid orders.")


@click.command("purge-baskets")
@with_appcontext
def purge_baskets() -> None:
    """Delete baskets left untouched for 30 days (their cookies have expired too)."""
    from shop import jobs
    from shop.web import now

    click.echo(f"Deleted {jobs.purge_baskets(now)} stale baskets.")


@click.command("send-emails")
@with_appcontext
def send_emails() -> None:
    """Send the queued emails that are due (SMTP when configured, else .eml files)."""
    from shop import jobs
    from shop.web import now

    click.echo(f"Sent {jobs.send_emails(now)} emails.")


@click.command("finish-refunds")
@with_appcontext
def finish_refunds() -> None:
    """Make the refunds recorded as pending through Stripe (the jobs do it every minute)."""
    from shop import jobs
    from shop.web import now

    click.echo(f"Made {jobs.finish_refunds(now)} refunds.")


@click.command("worker")
@click.option("--workers", type=int, default=None,
              help="Threads running jobs (default JOBS_WORKERS, 2).")
@with_appcontext
def worker(workers: int | None) -> None:
    """Run the background jobs until stopped: expiry, email, basket purge."""
    from flask import current_app

    from shop.jobs import run_worker

    app = current_app._get_current_object()
    run_worker(app, workers or app.config["JOBS_WORKERS"])


@click.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "staff"]), default=None,
              help="admin (the default for new accounts) or staff.")
@with_appcontext
def create_admin(email: str, role: str | None) -> None:
    """Create an admin account, or set a new password (and role) for an existing one.

    The password comes from SHOP_ADMIN_PASSWORD, else a prompt.
    """
    import os

    from shop.admin.accounts import (
        AccountError,
        check_password_strength,
        create_user,
        normalise_email,
        set_password,
        user_by_email,
    )
    from shop.admin.audit import Actor, record
    from shop.web import now

    password = os.environ.get("SHOP_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        with transaction():
            check_password_strength(password)
            email = normalise_email(email)
            user = user_by_email(email)
            if user is None:
                user = create_user(email, password, role or "admin")
                db.session.flush()
                record(Actor(None, "cli"), "user.create", "user", user.email, {"role": user.role},
                       now())
                verb = "Created"
            else:
                changes: dict = {"password": "changed"}
                if role and role != user.role:
                    changes["role"] = [user.role, role]
                    user.role = role
                set_password(user, password)
                user.active = True
                record(Actor(None, "cli"), "user.update", "user", user.email, changes, now())
                verb = "Updated"
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{verb} {user.role} account {user.email}.")


@click.command("create-api-token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'warehouse sync'.")
@with_appcontext
def create_api_token(email: str, name: str) -> None:
    """Issue a bearer token for the admin API; prints only the token, on the last line."""
    from shop.admin.accounts import create_api_token as issue
    from shop.admin.accounts import user_by_email

    user = user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"No active account has the email {email}.")
    with transaction():
        token = issue(user, name)
    click.echo(token)


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (seed_demo, release_expired, purge_baskets, send_emails, worker,
                    create_admin, create_api_token, finish_refunds):
        app.cli.add_command(command)
    from shop import ops

    ops.init_app(app)  # production's seed-pages and check-services
