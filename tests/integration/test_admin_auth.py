"""Signing in to the admin: hashed passwords, expiring sessions, rate limits, roles and CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from shop.admin.accounts import hash_token
from shop.admin.models import ApiToken, AuditEntry, User
from shop.extensions import db
from tests.factories import PASSWORD, form_csrf_token, sign_in

#: Every admin page and action: method, path, and whether only admins may use it.
ROUTES = [
    ("GET", "/admin/", False),
    ("GET", "/admin/static/admin.css", False),
    ("GET", "/admin/static/admin.js", False),
    ("GET", "/admin/products/", False),
    ("GET", "/admin/products/new", False),
    ("POST", "/admin/products/new", False),
    ("GET", "/admin/products/1", False),
    ("POST", "/admin/products/1", False),
    ("POST", "/admin/products/1/stock", False),
    ("POST", "/admin/products/1/active", False),
    ("POST", "/admin/products/1/delete", False),
    ("GET", "/admin/orders/", False),
    ("GET", "/admin/orders/KS-000001", False),
    ("POST", "/admin/orders/KS-000001/dispatch", False),
    ("POST", "/admin/orders/KS-000001/deliver", False),
    ("POST", "/admin/orders/KS-000001/refund", True),
    ("GET", "/admin/posts/", False),
    ("GET", "/admin/posts/new", False),
    ("POST", "/admin/posts/new", False),
    ("GET", "/admin/posts/1", False),
    ("POST", "/admin/posts/1", False),
    ("POST", "/admin/posts/1/publish", False),
    ("POST", "/admin/posts/1/delete", False),
    ("GET", "/admin/users/", True),
    ("POST", "/admin/users/", True),
    ("POST", "/admin/users/1", True),
    ("POST", "/admin/users/1/tokens/1/revoke", True),
    ("GET", "/admin/audit/", True),
    ("GET", "/admin/account", False),
    ("POST", "/admin/account", False),
    ("POST", "/admin/logout", False),
]
ADMIN_ONLY = [(method, path) for method, path, admin_only in ROUTES if admin_only]
POSTS = [(method, path) for method, path, _ in ROUTES if method == "POST"]


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ROUTES if p != "/admin/logout"])
def test_no_admin_page_asset_or_action_is_reachable_without_signing_in(
    client: FlaskClient, method: str, path: str
):
    data = {"csrf_token": form_csrf_token(client)} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 303
    assert response.location.startswith("/admin/login")


def test_a_page_asked_for_before_signing_in_opens_after_signing_in(client: FlaskClient, admin_user):
    response = client.get("/admin/orders/?status=paid")
    assert response.location == "/admin/login?next=/admin/orders/?status%3Dpaid"
    token = form_csrf_token(client, response.location)
    form = {"email": admin_user, "password": PASSWORD, "csrf_token": token}
    response = client.post(response.location, data=form)
    assert response.status_code == 303
    assert response.location == "/admin/orders/?status=paid"


def test_the_sign_in_never_redirects_to_another_site(client: FlaskClient, admin_user):
    token = form_csrf_token(client)
    for target in ["https://evil.example/admin/", "//evil.example/admin/", "/products/"]:
        form = {"email": admin_user, "password": PASSWORD, "csrf_token": token}
        response = client.post(f"/admin/login?next={target}", data=form)
        assert response.location == "/admin/"
        client.post("/admin/logout", data={"csrf_token": form_csrf_token(client, "/admin/")})
        token = form_csrf_token(client)


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_staff_cannot_use_the_admins_pages(staff_client: FlaskClient, method: str, path: str):
    data = {"csrf_token": form_csrf_token(staff_client, "/admin/")} if method == "POST" else None
    assert staff_client.open(path, method=method, data=data).status_code == 403


def test_staff_see_the_admin_without_the_admins_links(staff_client: FlaskClient):
    html = staff_client.get("/admin/").get_data(as_text=True)
    assert "Products" in html and "Orders" in html and "Posts" in html
    assert "/admin/users/" not in html and "/admin/audit/" not in html


@pytest.mark.parametrize(("method", "path"), POSTS)
def test_every_admin_form_needs_its_csrf_token(admin_client: FlaskClient, method: str, path: str):
    response = admin_client.open(path, method=method, data={"name": "x"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_the_sign_in_form_needs_its_csrf_token(client: FlaskClient, admin_user: str):
    response = client.post("/admin/login", data={"email": admin_user, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 303


def test_the_password_is_stored_as_an_argon2_hash(app: Flask, admin_user: str):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == admin_user))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_a_wrong_password_or_unknown_email_is_refused_alike(client: FlaskClient, admin_user):
    for email, password in [(admin_user, "wrong-password-here"), ("nobody@example.com", PASSWORD)]:
        response = sign_in(client, email, password)
        assert response.status_code == 200
        assert "do not match an active account" in response.get_data(as_text=True)
        assert client.get("/admin/").status_code == 303


def test_a_switched_off_account_cannot_sign_in_and_its_session_ends(
    app: Flask, admin_client: FlaskClient, staff_user: str
):
    staff = app.test_client()
    assert sign_in(staff, staff_user).status_code == 303
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == staff_user))
    token = form_csrf_token(admin_client, "/admin/users/")
    admin_client.post(f"/admin/users/{user_id}", data={"active": "0", "csrf_token": token})
    assert staff.get("/admin/").status_code == 303
    assert "do not match" in sign_in(app.test_client(), staff_user).get_data(as_text=True)


def test_signing_out_ends_the_session(admin_client: FlaskClient):
    token = form_csrf_token(admin_client, "/admin/")
    response = admin_client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.location == "/admin/login"
    assert admin_client.get("/admin/").status_code == 303


def test_signing_out_is_a_post_never_a_link(admin_client: FlaskClient):
    assert admin_client.get("/admin/logout").status_code == 405
    assert admin_client.get("/admin/").status_code == 200


def test_a_session_expires_after_two_idle_hours(admin_client: FlaskClient, clock):
    clock.at += timedelta(hours=1, minutes=59)
    assert admin_client.get("/admin/").status_code == 200
    clock.at += timedelta(hours=1, minutes=59)
    assert admin_client.get("/admin/").status_code == 200
    clock.at += timedelta(hours=2, minutes=1)
    response = admin_client.get("/admin/products/")
    assert response.status_code == 303 and response.location.startswith("/admin/login")
    assert "session expired" in admin_client.get(response.location).get_data(as_text=True)


def test_a_session_expires_eight_hours_after_signing_in_however_busy(
    admin_client: FlaskClient, clock
):
    for _ in range(7):
        clock.at += timedelta(hours=1)
        assert admin_client.get("/admin/").status_code == 200
    clock.at += timedelta(hours=1, seconds=1)
    assert admin_client.get("/admin/").status_code == 303


def test_session_lengths_are_settings(app: Flask, admin_client: FlaskClient, clock):
    app.config["ADMIN_SESSION_IDLE_MINUTES"] = 5
    clock.at += timedelta(minutes=6)
    assert admin_client.get("/admin/").status_code == 303


def test_failed_sign_ins_for_one_account_are_limited(app: Flask, client: FlaskClient, admin_user):
    for _ in range(5):
        assert sign_in(client, admin_user, "not-the-password").status_code == 200
    response = sign_in(client, admin_user, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    # Another account from the same address is not locked out by that.
    _make(app, "other@kefirshop.example")
    assert sign_in(client, "other@kefirshop.example").status_code == 303


def test_failed_sign_ins_from_one_address_are_limited_across_accounts(
    app: Flask, client: FlaskClient, admin_user
):
    for n in range(20):
        assert sign_in(client, f"guess{n}@example.com", "not-the-password").status_code == 200
    assert sign_in(client, admin_user, PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(client: FlaskClient, admin_user):
    for _ in range(8):
        assert sign_in(client, admin_user).status_code == 303
        client.post("/admin/logout", data={"csrf_token": form_csrf_token(client, "/admin/")})


def test_admin_pages_are_neither_cached_nor_indexed(admin_client: FlaskClient):
    response = admin_client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "Content-Security-Policy" in response.headers


def _make(app: Flask, email: str, role: str = "staff") -> None:
    from shop.admin.accounts import create_user

    with app.app_context():
        create_user(email, PASSWORD, role)
        db.session.commit()


# --- The command line -----------------------------------------------------------------------


def test_create_admin_takes_the_password_from_the_environment(
    app: Flask, runner: FlaskCliRunner, monkeypatch
):
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    result = runner.invoke(args=["create-admin", "Boss@KefirShop.example"])
    assert result.exit_code == 0, result.output
    assert "Created admin account boss@kefirshop.example" in result.output
    assert sign_in(app.test_client(), "boss@kefirshop.example").status_code == 303


def test_create_admin_prompts_for_the_password_and_takes_a_role(
    app: Flask, runner: FlaskCliRunner, monkeypatch
):
    monkeypatch.delenv("SHOP_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["create-admin", "packer@example.com", "--role", "staff"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        role = db.session.scalar(select(User.role).where(User.email == "packer@example.com"))
    assert role == "staff"


def test_create_admin_refuses_a_short_password_or_a_bad_email(runner: FlaskCliRunner, monkeypatch):
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "short")
    result = runner.invoke(args=["create-admin", "a@example.com"])
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    result = runner.invoke(args=["create-admin", "not-an-email"])
    assert result.exit_code != 0 and "not a valid email" in result.output


def test_create_admin_on_an_existing_account_sets_a_new_password(
    app: Flask, runner: FlaskCliRunner, admin_user: str, monkeypatch
):
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "a-brand-new-password")
    result = runner.invoke(args=["create-admin", admin_user])
    assert result.exit_code == 0 and "Updated admin account" in result.output
    assert sign_in(app.test_client(), admin_user, "a-brand-new-password").status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
        assert entry.via == "cli" and entry.entity_key == admin_user


def test_create_api_token_prints_the_token_last_and_stores_only_its_hash(
    app: Flask, runner: FlaskCliRunner, staff_user: str
):
    result = runner.invoke(args=["create-api-token", staff_user, "--name", "warehouse"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ks_") and len(token) > 40
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == hash_token(token) and token not in stored.token_hash
        assert stored.name == "warehouse"
    response = app.test_client().get("/api/v1/admin/products",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_create_api_token_refuses_an_unknown_account(runner: FlaskCliRunner):
    result = runner.invoke(args=["create-api-token", "nobody@example.com"])
    assert result.exit_code != 0 and "No active account" in result.output


