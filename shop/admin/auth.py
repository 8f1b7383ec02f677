"""Signing in to the admin: sessions that expire, rate-limited attempts, and roles."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import wraps

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from shop.admin import bp
from shop.admin.accounts import authenticate, user_for_session
from shop.admin.audit import Actor
from shop.domain.redirects import local_path
from shop.extensions import limiter, login_manager
from shop.transaction import transaction
from shop.web import now

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS = {"admin.login"}
TOO_MANY = "Too many failed sign-in attempts. Please wait 15 minutes and try again."


def web_actor() -> Actor:
    """The signed-in person, for the audit log."""
    return Actor(current_user._get_current_object(), "web")


def admin_required(view: Callable) -> Callable:
    """Only the admin role may use this page (staff get 403)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, "Only admins can use this page.")
        return view(*args, **kwargs)

    return wrapper


def _expired() -> bool:
    """Whether the session passed its idle or absolute limit (by the app's clock)."""
    config = current_app.config
    instant = now().timestamp()
    signed_in = session.get("admin_signed_in_at", 0)
    seen = session.get("admin_seen_at", 0)
    return (
        instant - signed_in > config["ADMIN_SESSION_MAX_HOURS"] * 3600
        or instant - seen > config["ADMIN_SESSION_IDLE_MINUTES"] * 60
    )


@bp.before_request
def require_sign_in() -> Response | None:
    """Every admin page and asset needs a signed-in, unexpired account."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated and _expired():
        logout_user()
        session.clear()
        flash("Your session expired. Please sign in again.", "error")
    if not current_user.is_authenticated:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=target), 303)
    session["admin_seen_at"] = now().timestamp()
    return None


@bp.after_request
def private(response: Response) -> Response:
    """Admin pages are never cached by browsers or proxies, nor indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _safe_next(target: str | None) -> str:
    """Only an admin path of this site, so the login cannot bounce people elsewhere."""
    return local_path(target, under="/admin/") or url_for("admin.dashboard")


def _account_key() -> str:
    # Per account *and* address: a stranger who knows an admin's email exhausts only their
    # own budget, never the admin's. Guessing from many addresses is left to the per-address
    # limit and to argon2 and long passwords (a per-account lock would be a lock-out tool).
    email = request.form.get("email", "").strip().lower()[:254]
    return f"admin-login-account:{get_remote_address() or ''}:{email}"


def _address_key() -> str:
    return "admin-login-address:" + (get_remote_address() or "")


def _failed(response: Response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ADMIN_LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed, error_message=TOO_MANY)
@limiter.limit(lambda: current_app.config["ADMIN_LOGIN_LIMIT_PER_ADDRESS"], key_func=_address_key,
               methods=["POST"], deduct_when=_failed, error_message=TOO_MANY)
def login():
    """The sign-in form; a wrong email or password counts towards the rate limits."""
    if current_user.is_authenticated and not _expired():
        return redirect(_safe_next(request.args.get("next")), 303)
    email = ""
    error = None
    if request.method == "POST":
        email = request.form.get("email", "").strip()[:254]
        with transaction():  # a sign-in records when it happened (and may rehash)
            user = authenticate(email, request.form.get("password", "")[:1024], now())
        if user is None:
            g.login_failed = True
            log.warning("failed admin sign-in for %r from %s", email, request.remote_addr)
            error = "That email and password do not match an active account."
        else:
            session.clear()  # a fresh session: nothing carried over from before signing in
            login_user(user)
            session["admin_signed_in_at"] = session["admin_seen_at"] = now().timestamp()
            log.info("admin sign-in: %s", user.email)
            return redirect(_safe_next(request.args.get("next")), 303)
    return render_template("admin/login.html", email=email, error=error), 200


@bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests):
    return render_template("admin/login.html", email="", error=TOO_MANY), 429


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A file over MAX_CONTENT_LENGTH: say so plainly instead of a bare 413 page."""
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login"), 303)
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_template("admin/too_large.html", limit=limit), 413


@bp.post("/logout")
def logout():
    """Sign out (a POST with its CSRF token, so no link can sign anyone out).

    The account's session nonce changes, so the old cookie (the session lives in it) is
    refused from now on wherever a copy of it is: signing out ends the session on the server.
    """
    if current_user.is_authenticated:
        with transaction():
            current_user.session_nonce = secrets.token_hex(16)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("admin.login"), 303)


def init_app(app: Flask) -> None:
    """Flask-Login, loading the user named in the session."""
    login_manager.init_app(app)
    login_manager.user_loader(user_for_session)
    login_manager.session_protection = "basic"
