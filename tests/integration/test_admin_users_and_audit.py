"""Admins manage staff accounts and tokens, and read the audit log of every change."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.admin.models import ApiToken, AuditEntry, User
from shop.extensions import db
from tests.factories import PASSWORD, form_csrf_token, sign_in


def user(app: Flask, email: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return found


def test_an_admin_opens_a_staff_account_that_can_then_sign_in(app, admin_client: FlaskClient):
    token = form_csrf_token(admin_client, "/admin/users/")
    response = admin_client.post("/admin/users/", data={
        "email": "Helper@Example.com", "password": "a-long-enough-password", "role": "staff",
        "csrf_token": token})
    assert response.status_code == 303
    assert user(app, "helper@example.com").role == "staff"
    helper = sign_in(app.test_client(), "helper@example.com", "a-long-enough-password")
    assert helper.status_code == 303
    html = admin_client.get("/admin/users/").get_data(as_text=True)
    assert 'data-user="helper@example.com"' in html


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("helper@example.com", "short", "staff", "at least 12 characters"),
        ("not-an-email", "a-long-enough-password", "staff", "not a valid email"),
        ("owner@kefirshop.example", "a-long-enough-password", "staff", "already exists"),
        ("helper@example.com", "a-long-enough-password", "boss", "admin or staff"),
    ],
)
def test_bad_accounts_are_refused(app, admin_client: FlaskClient, email, password, role, message):
    token = form_csrf_token(admin_client, "/admin/users/")
    response = admin_client.post("/admin/users/", data={
        "email": email, "password": password, "role": role, "csrf_token": token})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert user(app, "helper@example.com") is None


def test_an_admin_changes_a_role_and_a_password(app, admin_client: FlaskClient, staff_user):
    staff = app.test_client()
    assert sign_in(staff, staff_user).status_code == 303
    target = user(app, staff_user)
    token = form_csrf_token(admin_client, "/admin/users/")
    admin_client.post(f"/admin/users/{target.id}", data={"role": "admin", "csrf_token": token})
    assert user(app, staff_user).role == "admin"
    assert staff.get("/admin/users/").status_code == 200  # the new role applies at once
    admin_client.post(f"/admin/users/{target.id}",
                      data={"password": "another-long-password", "csrf_token": token})
    assert staff.get("/admin/").status_code == 303  # a new password signs them out
    assert sign_in(app.test_client(), staff_user, PASSWORD).status_code == 200
    assert sign_in(app.test_client(), staff_user, "another-long-password").status_code == 303


def test_admins_cannot_demote_or_switch_off_themselves(app, admin_client: FlaskClient, admin_user):
    me = user(app, admin_user)
    token = form_csrf_token(admin_client, "/admin/users/")
    for change in ({"role": "staff"}, {"active": "0"}):
        response = admin_client.post(f"/admin/users/{me.id}", data=change | {"csrf_token": token},
                                     follow_redirects=True)
        assert "You cannot" in response.get_data(as_text=True)
    assert (user(app, admin_user).role, user(app, admin_user).active) == ("admin", True)


def test_an_admin_revokes_an_api_token(app, admin_client: FlaskClient, staff_token, staff_user):
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        ids = (stored.user_id, stored.id)
    assert stored.prefix in admin_client.get("/admin/users/").get_data(as_text=True)
    token = form_csrf_token(admin_client, "/admin/users/")
    response = admin_client.post(f"/admin/users/{ids[0]}/tokens/{ids[1]}/revoke",
                                 data={"csrf_token": token})
    assert response.status_code == 303
    api = app.test_client().get("/api/v1/admin/orders",
                                headers={"Authorization": f"Bearer {staff_token}"})
    assert api.status_code == 401
    assert admin_client.post(f"/admin/users/{ids[0]}/tokens/999/revoke",
                             data={"csrf_token": token}).status_code == 404


@pytest.mark.usefixtures("catalogue")
def test_the_audit_log_shows_who_changed_what_and_when(app, clock, admin_client, staff_client):
    with app.app_context():
        from shop.models import Product

        soap_id = db.session.scalar(select(Product.id).where(Product.slug == "kefir-soap-bar"))
    token = form_csrf_token(staff_client, f"/admin/products/{soap_id}")
    staff_client.post(f"/admin/products/{soap_id}/stock", data={"adjust": "5", "csrf_token": token})
    html = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "packer@kefirshop.example" in html and "product.stock" in html
    assert "kefir-soap-bar" in html and "40 → 45" in html
    assert clock.now().strftime("%-d %b %Y %H:%M") in html
    assert "product.stock" not in admin_client.get("/admin/audit/?entity=order").get_data(True)
    assert admin_client.get("/admin/audit/?entity=secrets").status_code == 400
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.via, entry.at) == ("web", clock.now())


def test_the_dashboard_lists_what_needs_doing(app, admin_client: FlaskClient):
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert 'data-count="to-dispatch">0<' in html and "Latest changes" in html


def test_staff_change_their_own_password_and_other_devices_are_signed_out(
    app, staff_client: FlaskClient, staff_user
):
    other_device = app.test_client()
    assert sign_in(other_device, staff_user).status_code == 303
    token = form_csrf_token(staff_client, "/admin/account")
    wrong = staff_client.post("/admin/account", data={
        "current": "not-my-password", "password": "my-new-long-password", "csrf_token": token})
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(True)
    short = staff_client.post("/admin/account", data={
        "current": PASSWORD, "password": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(True)
    response = staff_client.post("/admin/account", data={
        "current": PASSWORD, "password": "my-new-long-password", "csrf_token": token})
    assert response.status_code == 303
    assert staff_client.get("/admin/").status_code == 200
    assert other_device.get("/admin/").status_code == 303
    assert sign_in(app.test_client(), staff_user, "my-new-long-password").status_code == 303
