"""Accounts: admins manage staff, tokens and the audit log; everyone their own password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from shop.admin import bp
from shop.admin.accounts import (
    AccountError,
    authenticate,
    create_user,
    parse_role,
    set_password,
)
from shop.admin.audit import entries, record
from shop.admin.auth import admin_required, web_actor
from shop.admin.models import ApiToken, User
from shop.admin.views.forms import page_number
from shop.extensions import db
from shop.web import now

AUDITED = ("product", "order", "post", "user")


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id, description="There is no such account.")


def _page(form: dict | None = None, error: str | None = None, status: int = 200):
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=users, form=form or {}, error=error), status


@bp.get("/users/")
@admin_required
def users():
    """Every account, its role and its API tokens."""
    return _page()


@bp.post("/users/")
@admin_required
def user_create():
    """Open an account for a member of staff."""
    form = request.form
    try:
        user = create_user(form.get("email", ""), form.get("password", ""), form.get("role", ""))
        db.session.flush()
    except AccountError as exc:
        db.session.rollback()
        return _page({"email": form.get("email", ""), "role": form.get("role", "")}, str(exc), 422)
    record(web_actor(), "user.create", "user", user.email, {"role": user.role}, now())
    db.session.commit()
    flash(f"{user.email} can now sign in as {user.role}.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>")
@admin_required
def user_update(user_id: int):
    """Change an account's role, switch it off or on, or set a new password."""
    user = _user_or_404(user_id)
    form = request.form
    changes: dict = {}
    try:
        if "role" in form and form["role"] != user.role:
            if user.id == current_user.id:
                raise AccountError("You cannot change your own role.")
            changes["role"] = [user.role, parse_role(form["role"]).value]
            user.role = changes["role"][1]
        if "active" in form and (form["active"] == "1") != user.active:
            if user.id == current_user.id:
                raise AccountError("You cannot switch off your own account.")
            changes["active"] = [user.active, not user.active]
            user.active = not user.active
        if form.get("password"):
            set_password(user, form["password"])
            changes["password"] = "changed"
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.users"), 303)
    if changes:
        record(web_actor(), "user.update", "user", user.email, changes, now())
        db.session.commit()
        flash(f"{user.email} was updated.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@admin_required
def token_revoke(user_id: int, token_id: int):
    """Revoke an API token at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        abort(404, "There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = now()
        record(web_actor(), "token.revoke", "user", token.user.email,
               {"token": token.prefix + "…"}, now())
        db.session.commit()
    flash(f"The token {token.prefix}… no longer works.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.get("/audit/")
@admin_required
def audit():
    """Who changed what and when, newest first."""
    entity = request.args.get("entity", "")
    if entity and entity not in AUDITED:
        abort(400, "That is not something the audit log records.")
    return render_template(
        "admin/audit.html", result=entries(entity, page_number()), entity=entity, kinds=AUDITED
    )


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Anyone signed in changes their own password (which signs out their other sessions)."""
    error = None
    if request.method == "POST":
        user = current_user._get_current_object()
        if authenticate(user.email, request.form.get("current", "")[:1024], now()) is None:
            error = "Your current password is not right."
        else:
            try:
                set_password(user, request.form.get("password", "")[:1024])
            except AccountError as exc:
                error = str(exc)
        if error:
            db.session.rollback()
            return render_template("admin/account.html", error=error), 422
        record(web_actor(), "user.update", "user", user.email, {"password": "changed"}, now())
        db.session.commit()
        login_user(user)  # the session id carries the new nonce; this browser stays signed in
        session["admin_signed_in_at"] = session["admin_seen_at"] = now().timestamp()
        flash("Your password is changed; other devices are signed out.", "success")
        return redirect(url_for("admin.dashboard"), 303)
    return render_template("admin/account.html", error=None)
