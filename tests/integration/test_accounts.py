"""Customer accounts: sign-up, verification, sign-in limits, sessions that end, resets, and a
customer kept apart from the staff's admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shop.accounts.models import Customer
from shop.extensions import db
from shop.models import OutboxEmail
from tests.factories import (
    CUSTOMER_EMAIL,
    CUSTOMER_PASSWORD,
    emailed_link,
    form_csrf_token,
    sign_up_customer,
)

NEW_PASSWORD = "a-new-jar-of-grains-7"


def customers(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Customer))


def sign_in_form(client: FlaskClient, email: str, password: str):
    token = form_csrf_token(client, "/account/sign-in")
    return client.post("/account/sign-in", data={"email": email, "password": password,
                                                 "csrf_token": token})


# --- Signing up ----------------------------------------------------------------------------------


def test_signing_up_opens_an_account_signs_in_and_emails_a_verification_link(app, client):
    response = sign_up_customer(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == CUSTOMER_EMAIL and body["name"] == "Ada Lovelace"
    assert body["email_verified"] is False and body["created_at"]
    assert client.get("/api/v1/account").get_json()["email"] == CUSTOMER_EMAIL
    assert emailed_link(app, CUSTOMER_EMAIL, "/account/verify/")
    with app.app_context():
        stored = db.session.scalar(select(Customer))
        assert stored.password_hash.startswith("$argon2id$")
        assert CUSTOMER_PASSWORD not in stored.password_hash


@pytest.mark.parametrize("password", ["short-pw", "qwertyuiop", "1234567890", "Qwertyuiop"])
def test_a_weak_password_is_a_422_naming_the_field_and_stores_nothing(app, client, password):
    response = sign_up_customer(client, password=password)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "password" in response.get_json()["errors"]
    assert customers(app) == 0


def test_an_email_with_an_account_already_is_a_409_whatever_its_case(app, client):
    assert sign_up_customer(client).status_code == 201
    response = sign_up_customer(app.test_client(), email="ADA@Example.COM")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert customers(app) == 1


@pytest.mark.parametrize("body", [
    {"email": "not-an-email", "password": CUSTOMER_PASSWORD, "name": "Ada"},
    {"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD, "name": "<b>Ada</b>"},
    {"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD},
    {"email": CUSTOMER_EMAIL, "password": 12345678901, "name": "Ada"},
])
def test_bad_sign_up_details_are_a_422_and_store_nothing(app, client, body):
    response = client.post("/api/v1/account", json=body)
    assert response.status_code == 422
    assert customers(app) == 0


def test_the_sign_up_form_works_without_javascript_and_needs_its_csrf_token(app, client):
    data = {"email": CUSTOMER_EMAIL, "name": "Ada Lovelace", "password": CUSTOMER_PASSWORD}
    assert client.post("/account/sign-up", data=data).status_code == 400
    token = form_csrf_token(client, "/account/sign-up")
    response = client.post("/account/sign-up", data={**data, "csrf_token": token})
    assert response.status_code == 303
    assert "Ada" in client.get("/account/").get_data(as_text=True)


def test_the_sign_up_form_shows_why_a_password_is_refused(app, client):
    token = form_csrf_token(client, "/account/sign-up")
    response = client.post("/account/sign-up", data={
        "email": CUSTOMER_EMAIL, "name": "Ada", "password": "password12", "csrf_token": token})
    assert response.status_code == 422
    assert "most common passwords" in response.get_data(as_text=True)


# --- The header ----------------------------------------------------------------------------------


def test_the_header_says_sign_in_to_a_guest_and_the_first_name_to_a_customer(app, client):
    html = client.get("/basket").get_data(as_text=True)
    assert ">Sign in</a>" in html
    sign_up_customer(client)
    html = client.get("/basket").get_data(as_text=True)
    assert "Ada</a>" in html and ">Sign in</a>" not in html


# --- Signing in and out --------------------------------------------------------------------------


def test_signing_in_with_the_right_password_answers_the_account(app, client):
    sign_up_customer(client)
    other = app.test_client()
    response = other.post("/api/v1/session", json={"email": "Ada@example.com",
                                                   "password": CUSTOMER_PASSWORD})
    assert response.status_code == 200
    assert other.get("/api/v1/account").status_code == 200


def test_a_wrong_password_or_unknown_email_is_a_401_problem(app, client):
    sign_up_customer(client)
    other = app.test_client()
    for email, password in [(CUSTOMER_EMAIL, "wrong-password-1"), ("nobody@example.com", "x")]:
        response = other.post("/api/v1/session", json={"email": email, "password": password})
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
    assert other.get("/api/v1/account").status_code == 401


def test_signed_out_account_calls_are_401(client):
    for method, path in [("GET", "/api/v1/account"), ("GET", "/api/v1/account/orders"),
                         ("GET", "/api/v1/account/export"),
                         ("POST", "/api/v1/account/orders/KS-000001/reorder")]:
        response = client.open(path, method=method)
        assert response.status_code == 401, path
        assert response.mimetype == "application/problem+json"


def test_account_pages_send_a_signed_out_visitor_to_sign_in(client):
    response = client.get("/account/addresses")
    assert response.status_code == 303
    assert "/account/sign-in?next=/account/addresses" in response.headers["Location"]


def test_sign_in_stops_after_five_wrong_passwords_from_one_address(app, client):
    sign_up_customer(app.test_client())
    for _ in range(5):
        assert sign_in_form(client, CUSTOMER_EMAIL, "wrong-password-1").status_code == 401
    response = sign_in_form(client, CUSTOMER_EMAIL, CUSTOMER_PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    api = client.post("/api/v1/session", json={"email": CUSTOMER_EMAIL,
                                               "password": CUSTOMER_PASSWORD})
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0


def test_a_stranger_failing_elsewhere_cannot_lock_the_customer_out(app, client):
    sign_up_customer(app.test_client())
    stranger = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(8):
        client.post("/api/v1/session", json={"email": CUSTOMER_EMAIL, "password": "guess-1234"},
                    environ_base=stranger)
    assert client.post("/api/v1/session", json={"email": CUSTOMER_EMAIL, "password": "guess-1"},
                       environ_base=stranger).status_code == 429
    home = app.test_client().post("/api/v1/session", json={"email": CUSTOMER_EMAIL,
                                                           "password": CUSTOMER_PASSWORD},
                                  environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert home.status_code == 200


def test_one_address_trying_many_accounts_is_limited(app, client):
    app.config["CUSTOMER_LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        client.post("/api/v1/session", json={"email": f"p{n}@example.com", "password": "x"})
    assert client.post("/api/v1/session", json={"email": "p9@example.com", "password": "x"}
                       ).status_code == 429


def test_signing_out_ends_every_session_of_the_account(app, client):
    sign_up_customer(client)
    phone = app.test_client()
    phone.post("/api/v1/session", json={"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD})
    assert phone.get("/api/v1/account").status_code == 200
    assert client.delete("/api/v1/session").status_code == 204
    assert client.get("/api/v1/account").status_code == 401
    assert phone.get("/api/v1/account").status_code == 401


def test_the_sign_out_form_is_a_post_with_its_csrf_token(app, client):
    sign_up_customer(client)
    assert client.post("/account/sign-out").status_code == 400
    token = form_csrf_token(client, "/account/")
    assert client.post("/account/sign-out", data={"csrf_token": token}).status_code == 303
    assert client.get("/api/v1/account").status_code == 401


def test_a_next_address_off_the_site_is_ignored_after_signing_in(app, client):
    sign_up_customer(app.test_client())
    token = form_csrf_token(client, "/account/sign-in")
    response = client.post("/account/sign-in?next=//evil.example/x", data={
        "email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/account/"


# --- Customers and staff stay apart --------------------------------------------------------------

def admin_routes(app: Flask, prefix: str) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under `prefix`, its parameters filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        path = rule.rule
        for name, converter in rule._converters.items():
            value = "1" if type(converter).__name__ in ("IntegerConverter",) else "x1"
            path = re.sub(r"<[^>]*\b" + name + ">", value, path)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_a_customer_session_is_refused_by_every_admin_page_and_admin_api_call(app, client):
    sign_up_customer(client)
    token = form_csrf_token(client, "/account/details")
    pages = admin_routes(app, "/admin/")
    calls = admin_routes(app, "/api/v1/admin/")
    assert len(pages) > 40 and len(calls) > 15
    for method, path in pages:
        if path == "/admin/login":
            continue
        response = client.open(path, method=method,
                               data={"csrf_token": token} if method != "GET" else None)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["Location"].startswith("/admin/login"), path
    for method, path in calls:
        response = client.open(path, method=method, json={} if method != "GET" else None)
        assert response.status_code == 401, (method, path, response.status_code)
    assert client.get("/api/v1/account").status_code == 200  # still the customer's session


def test_a_staff_session_is_not_a_customer_account(admin_client):
    assert admin_client.get("/api/v1/account").status_code == 401
    assert admin_client.get("/account/").status_code == 303


def test_the_same_email_for_staff_and_customer_are_two_accounts(app, client, admin_user):
    assert sign_up_customer(client, email=admin_user).status_code == 201
    assert client.get("/admin/").status_code == 303


# --- Verification and password reset -------------------------------------------------------------


def test_following_the_verification_link_confirms_the_email_once(app, client):
    sign_up_customer(client)
    link = emailed_link(app, CUSTOMER_EMAIL, "/account/verify/")
    assert client.get(link).status_code == 303
    assert client.get("/api/v1/account").get_json()["email_verified"] is True
    assert client.get(link).status_code == 404


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(app, client, clock):
    sign_up_customer(client)
    browser = app.test_client()
    token = form_csrf_token(browser, "/account/reset")
    assert browser.post("/account/reset", data={"email": CUSTOMER_EMAIL,
                                                "csrf_token": token}).status_code == 200
    link = emailed_link(app, CUSTOMER_EMAIL, "/account/reset/")
    assert browser.get(link).status_code == 200
    token = form_csrf_token(browser, link)
    response = browser.post(link, data={"password": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert client.get("/api/v1/account").status_code == 401  # the other session ended
    assert browser.get("/api/v1/account").status_code == 200
    assert browser.get(link).status_code == 404  # used
    again = app.test_client().post("/api/v1/session", json={"email": CUSTOMER_EMAIL,
                                                            "password": NEW_PASSWORD})
    assert again.status_code == 200
    with app.app_context():
        subjects = db.session.scalars(select(OutboxEmail.subject)).all()
    assert "Your Kefir Shop password was changed" in subjects


def test_a_reset_link_expires_after_an_hour(app, client, clock):
    sign_up_customer(client)
    with app.test_request_context():
        from shop.accounts.service import request_password_reset

        request_password_reset(CUSTOMER_EMAIL, clock.now())
    link = emailed_link(app, CUSTOMER_EMAIL, "/account/reset/")
    clock.at += timedelta(minutes=59)
    assert client.get(link).status_code == 200
    clock.at += timedelta(minutes=1)
    assert client.get(link).status_code == 404
    token = form_csrf_token(client, "/account/reset")
    assert client.post(link, data={"password": NEW_PASSWORD, "csrf_token": token}
                       ).status_code == 404


def test_a_reset_with_a_weak_password_keeps_the_link_usable(app, client):
    sign_up_customer(client)
    with app.test_request_context():
        from shop.accounts.service import request_password_reset

        request_password_reset(CUSTOMER_EMAIL, app.config["CLOCK"].now())
    link = emailed_link(app, CUSTOMER_EMAIL, "/account/reset/")
    token = form_csrf_token(client, link)
    assert client.post(link, data={"password": "password", "csrf_token": token}
                       ).status_code == 422
    assert client.post(link, data={"password": NEW_PASSWORD, "csrf_token": token}
                       ).status_code == 303


def test_asking_to_reset_an_unknown_email_says_the_same_and_sends_nothing(app, client):
    token = form_csrf_token(client, "/account/reset")
    response = client.post("/account/reset", data={"email": "nobody@example.com",
                                                   "csrf_token": token})
    assert response.status_code == 200 and "If nobody@example.com has an account" in (
        response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, client):
    sign_up_customer(client)
    phone = app.test_client()
    phone.post("/api/v1/session", json={"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD})
    token = form_csrf_token(client, "/account/details")
    wrong = client.post("/account/details/password", data={
        "current_password": "not-it-at-all", "password": NEW_PASSWORD, "csrf_token": token})
    assert wrong.status_code == 422
    response = client.post("/account/details/password", data={
        "current_password": CUSTOMER_PASSWORD, "password": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert client.get("/api/v1/account").status_code == 200
    assert phone.get("/api/v1/account").status_code == 401


def test_changing_the_email_takes_effect_when_the_new_address_is_verified(app, client):
    sign_up_customer(client)
    token = form_csrf_token(client, "/account/details")
    response = client.post("/account/details/email", data={
        "new_email": "ada@new.example", "new_password": CUSTOMER_PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert client.get("/api/v1/account").get_json()["email"] == CUSTOMER_EMAIL
    with app.app_context():
        told = db.session.scalars(select(OutboxEmail.subject).where(
            OutboxEmail.to == CUSTOMER_EMAIL)).all()
    assert any("change of your Kefir Shop email" in subject for subject in told)
    client.get(emailed_link(app, "ada@new.example", "/account/verify/"))
    account = client.get("/api/v1/account").get_json()
    assert account["email"] == "ada@new.example" and account["email_verified"]


def test_sign_in_works_and_its_limit_holds_in_the_process_when_redis_is_down(app):
    from shop import create_app
    from tests.machine import free_port

    shop = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": app.config["DATABASE_URL"],
                       "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    client = shop.test_client()
    assert sign_up_customer(client).status_code == 201
    body = {"email": CUSTOMER_EMAIL, "password": "wrong-password-1"}
    assert [client.post("/api/v1/session", json=body).status_code for _ in range(6)] == [
        401] * 5 + [429]
    with shop.app_context():
        db.engine.dispose()


def test_two_sign_ups_with_one_email_at_once_open_one_account(app):
    import threading

    barrier = threading.Barrier(4)
    statuses = []

    def sign_up(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        email = CUSTOMER_EMAIL if n % 2 else CUSTOMER_EMAIL.upper()
        statuses.append(sign_up_customer(client, email=email).status_code)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    assert customers(app) == 1


def test_a_new_email_taken_by_someone_else_meanwhile_is_not_changed_to(app, client):
    sign_up_customer(client)
    token = form_csrf_token(client, "/account/details")
    client.post("/account/details/email", data={
        "new_email": "ada@new.example", "new_password": CUSTOMER_PASSWORD, "csrf_token": token})
    link = emailed_link(app, "ada@new.example", "/account/verify/")
    assert sign_up_customer(app.test_client(), email="ada@new.example").status_code == 201
    response = client.get(link)
    assert response.status_code == 409
    assert client.get("/api/v1/account").get_json()["email"] == CUSTOMER_EMAIL


def test_changing_to_an_email_with_an_account_is_refused_at_once(app, client):
    sign_up_customer(app.test_client(), email="grace@example.com")
    sign_up_customer(client)
    token = form_csrf_token(client, "/account/details")
    response = client.post("/account/details/email", data={
        "new_email": "Grace@example.com", "new_password": CUSTOMER_PASSWORD, "csrf_token": token})
    assert response.status_code == 409
    assert "Another account uses that email" in response.get_data(as_text=True)
