"""Live chat and lifetime support: /support/, the chat API, the staff inbox and its API."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shop.chat.figures import chat_figures
from shop.chat.models import Conversation, Message
from shop.domain import LONDON
from shop.extensions import db
from shop.mail import deliver_outbox
from shop.models import Order, OutboxEmail
from tests.factories import form_csrf_token, sign_in

EVENING = datetime(2026, 11, 25, 21, 30, tzinfo=LONDON)  # chat is closed


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def start(client: FlaskClient, **body) -> dict:
    """Start a conversation through the API; its JSON (conversation and token)."""
    response = client.post("/api/v1/chat/conversations", json={"message": "Hello", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def emails(app: Flask) -> list[email.message.EmailMessage]:
    with app.app_context():
        deliver_outbox(app.config["CLOCK"].now)
    folder = Path(app.instance_path) / "emails"
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


def an_order(app: Flask, email_address: str = "ada@example.com") -> str:
    with app.app_context():
        order = Order(number="KS-000042", status="paid", email=email_address, name="Ada",
                      address_line1="1 Kefir Lane", city="Bath", postcode="BA1 1AA",
                      subtotal_pence=2400, delivery_pence=0, total_pence=2400,
                      dispatch_date=date(2026, 11, 25), delivery_date=date(2026, 11, 26),
                      expires_at=datetime(2026, 11, 25, 12, tzinfo=LONDON))
        db.session.add(order)
        db.session.commit()
        return order.number


# --- Customers: the API --------------------------------------------------------------------


def test_a_conversation_started_in_hours_is_live_and_reachable_with_its_token(client):
    started = start(client, name="Ada", email="ada@example.com")
    conversation = started["conversation"]
    assert conversation["mode"] == "live" and conversation["status"] == "open"
    assert [m["author"] for m in conversation["messages"]] == ["customer"]
    again = client.get(f"/api/v1/chat/conversations/{conversation['id']}?token={started['token']}")
    assert again.status_code == 200 and again.get_json() == conversation


@pytest.mark.parametrize("token", ["", "forged", "x" * 43, "y" * 500])
def test_a_forged_token_reaches_nothing(client, token):
    started = start(client)
    cid = started["conversation"]["id"]
    assert client.get(f"/api/v1/chat/conversations/{cid}?token={token}").status_code == 404
    posted = client.post(f"/api/v1/chat/conversations/{cid}/messages?token={token}",
                         json={"body": "hi"})
    assert posted.status_code == 404 and posted.mimetype == "application/problem+json"


def test_one_conversations_token_does_not_open_another(client, app):
    first, second = start(client), start(client)
    other = second["conversation"]["id"]
    response = client.post(f"/api/v1/chat/conversations/{other}/messages?token={first['token']}",
                           json={"body": "Can I see this?"})
    assert response.status_code == 404
    assert count(app, Message) == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [({"body": ""}, 422, "write a message"),
     ({"body": "   "}, 422, "write a message"),
     ({"body": "\x07\x1b"}, 422, "write a message"),
     ({"body": "hi\x00"}, 422, "NUL"),
     ({"body": "k" * 2001}, 422, "at most 2000 characters"),
     ({"body": 42}, 422, "must be a string"),
     ({"body": None}, 422, "must be a string"),
     ({"body": ["hi"]}, 422, "must be a string"),
     ({}, 422, "body is required"),
     ({"body": "hi", "author": "staff"}, 422, "Unknown field(s): author"),
     ([], 422, "JSON object")],
)
def test_bad_messages_are_refused_and_nothing_is_stored(app, client, body, status, words):
    started = start(client)
    url = f"/api/v1/chat/conversations/{started['conversation']['id']}/messages"
    response = client.post(f"{url}?token={started['token']}", json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]
    assert count(app, Message) == 1


def test_a_message_that_is_not_json_is_refused(app, client):
    started = start(client)
    url = f"/api/v1/chat/conversations/{started['conversation']['id']}/messages"
    for data, kind, status in [("body=hi", "application/x-www-form-urlencoded", 415),
                               ("{not json", "application/json", 400)]:
        response = client.post(f"{url}?token={started['token']}", data=data, content_type=kind)
        assert response.status_code == status
    assert count(app, Message) == 1


def test_a_message_of_2000_characters_with_markup_is_stored_as_typed_and_shown_escaped(
    app, client
):
    started = start(client)
    cid, token = started["conversation"]["id"], started["token"]
    body = "<script>alert('x')</script>" + "k" * (2000 - 27)
    response = client.post(f"/api/v1/chat/conversations/{cid}/messages?token={token}",
                           json={"body": body})
    assert response.status_code == 201 and response.get_json()["body"] == body
    html = client.get(f"/support/{cid}?token={token}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)" in html


def test_a_closed_conversation_takes_no_more_messages(app, client, staff_client):
    started = start(client)
    cid, token = started["conversation"]["id"], started["token"]
    csrf = form_csrf_token(staff_client, f"/admin/chat/{cid}")
    staff_client.post(f"/admin/chat/{cid}/status", data={"status": "closed", "csrf_token": csrf})
    response = client.post(f"/api/v1/chat/conversations/{cid}/messages?token={token}",
                           json={"body": "Still there?"})
    assert response.status_code == 409 and "closed" in response.get_json()["detail"]
    here = f"/support/{cid}?token={token}"
    page = client.post(here, data={"body": "Hello?", "csrf_token": form_csrf_token(client, here)})
    assert page.status_code == 409 and "This conversation is closed" in page.get_data(as_text=True)
    assert count(app, Message) == 1


@pytest.mark.parametrize("body", [{"message": ""}, {"message": "k" * 2001}, {"message": 7},
                                  {"message": "hi", "name": 3}, {"message": "hi", "email": "x"},
                                  {"message": "hi", "order_number": "DROP TABLE"}])
def test_a_bad_start_stores_nothing(app, client, body):
    response = client.post("/api/v1/chat/conversations", json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert count(app, Conversation) == 0 and count(app, Message) == 0


def test_an_order_is_named_only_with_the_email_it_was_placed_with(app, client):
    number = an_order(app)
    for body in ({"order_number": number}, {"order_number": number, "email": "eve@example.com"},
                 {"order_number": "KS-999999", "email": "ada@example.com"}):
        response = client.post("/api/v1/chat/conversations",
                               json={"message": "Where is it?", **body})
        assert response.status_code == 422
    assert count(app, Conversation) == 0
    started = start(client, order_number=number.lower(), email="ADA@example.com")
    assert started["conversation"]["order_number"] == number


def test_messages_are_rate_limited_per_conversation(app, client):
    app.config["CHAT_LIMIT_PER_CONVERSATION"] = "3 per minute"
    started = start(client)
    url = (f"/api/v1/chat/conversations/{started['conversation']['id']}/messages"
           f"?token={started['token']}")
    statuses = [client.post(url, json={"body": f"m{n}"}).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert count(app, Message) == 4  # the first message and three more


def test_posts_with_a_forged_token_do_not_spend_a_conversations_budget(app, client):
    app.config["CHAT_LIMIT_PER_CONVERSATION"] = "2 per minute"
    started = start(client)
    url = f"/api/v1/chat/conversations/{started['conversation']['id']}/messages"
    for _ in range(3):
        assert client.post(f"{url}?token=forged", json={"body": "x"}).status_code in (404, 429)
    statuses = [client.post(f"{url}?token={started['token']}", json={"body": "mine"}).status_code
                for _ in range(2)]
    assert statuses == [201, 201]


def test_new_conversations_are_rate_limited_per_address(app, client):
    app.config["CHAT_NEW_CONVERSATIONS_PER_ADDRESS"] = "2 per hour"
    statuses = [client.post("/api/v1/chat/conversations", json={"message": "hi"}).status_code
                for _ in range(3)]
    assert statuses == [201, 201, 429]


# --- Customers: /support/ without JavaScript ------------------------------------------------


def test_support_starts_a_conversation_with_a_plain_form_and_keeps_it_in_a_cookie(app, client):
    page = client.get("/support/")
    assert page.status_code == 200 and "Start chat" in page.get_data(as_text=True)
    response = client.post("/support/", data={"message": "Do grains need feeding daily?",
                                              "csrf_token": form_csrf_token(client, "/support/")})
    assert response.status_code == 303
    link = response.location
    assert re.fullmatch(r"/support/\d+\?token=[\w-]{43}#latest", link)
    # The browser's cookie brings the customer back to it, on any page.
    assert client.get("/support/").location == link.split("#")[0]
    page = client.get(link).get_data(as_text=True)
    assert "Do grains need feeding daily?" in page
    here = link.split("#")[0]
    reply = client.post(here, data={"body": "And in summer?",
                                    "csrf_token": form_csrf_token(client, here)})
    assert reply.status_code == 303
    assert "And in summer?" in client.get(link).get_data(as_text=True)


def test_support_forms_need_their_csrf_token(app, client):
    assert client.post("/support/", data={"message": "hi"}).status_code == 400
    assert count(app, Conversation) == 0


def test_support_says_what_is_wrong_and_keeps_what_was_typed(app, client, clock):
    clock.at = EVENING
    response = client.post("/support/", data={"message": "Hi there", "email": "",
                                              "csrf_token": form_csrf_token(client, "/support/")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please give an email address" in html and ">Hi there</textarea>" in html
    assert "Chat opens 8am tomorrow — leave a message and we'll email you." in html
    assert count(app, Conversation) == 0


def test_support_pages_are_private_and_not_indexed(client):
    response = client.get("/support/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


# --- Outside chat hours: a message, an email to staff, a reply emailed back ------------------


def test_an_offline_message_is_stored_emailed_to_staff_and_the_reply_emailed_back_with_a_link(
    app, client, clock, staff_user
):
    clock.at = EVENING
    staff_client = app.test_client()
    sign_in(staff_client, staff_user)
    app.config["SUPPORT_EMAIL"] = "help@kefirshop.example"
    started = start(client, message="My grains stopped working", email="ada@example.com",
                    name="Ada")
    conversation = started["conversation"]
    assert conversation["mode"] == "message"
    [to_staff] = emails(app)
    assert to_staff["To"] == "help@kefirshop.example"
    assert "My grains stopped working" in to_staff.get_body(("plain",)).get_content()
    assert f"/admin/chat/{conversation['id']}" in to_staff.get_body(("plain",)).get_content()

    cid = conversation["id"]
    csrf = form_csrf_token(staff_client, f"/admin/chat/{cid}")
    answer = staff_client.post(f"/admin/chat/{cid}/messages",
                               data={"body": "Feed them fresh milk tonight.", "csrf_token": csrf})
    assert answer.status_code == 303
    to_staff_again, to_customer = emails(app)
    assert to_customer["To"] == "ada@example.com"
    text = to_customer.get_body(("plain",)).get_content()
    assert "Feed them fresh milk tonight." in text
    link = re.search(r"http://localhost(/support/\d+\?token=[\w-]+)", text).group(1)
    # The link works in a browser that has never seen the conversation.
    fresh = app.test_client()
    page = fresh.get(link)
    assert page.status_code == 200
    assert "Feed them fresh milk tonight." in page.get_data(as_text=True)
    assert fresh.get("/support/").location == link


def test_an_offline_start_needs_an_email_address(app, client, clock):
    clock.at = EVENING
    response = client.post("/api/v1/chat/conversations", json={"message": "hi"})
    assert response.status_code == 422 and "email" in response.get_json()["detail"]
    assert count(app, OutboxEmail) == 0


# --- Staff: the inbox ----------------------------------------------------------------------


def test_an_unknown_conversation_is_a_404_for_staff(staff_client):
    for cid in (999, 2**31, 10**30):
        assert staff_client.get(f"/admin/chat/{cid}").status_code == 404


def test_the_inbox_is_for_signed_in_staff_only(client):
    assert client.get("/admin/chat/").status_code == 303
    assert client.get("/admin/chat/events").status_code == 303


def test_the_inbox_shows_who_waits_how_long_unread_counts_and_their_orders(
    app, client, clock, staff_client
):
    number = an_order(app)
    first = start(client, message="Is kefir OK for lactose?", email="ada@example.com",
                  name="Ada", order_number=number)
    cid, token = first["conversation"]["id"], first["token"]
    clock.at += timedelta(minutes=12)
    client.post(f"/api/v1/chat/conversations/{cid}/messages?token={token}", json={"body": "Hi?"})
    inbox = staff_client.get("/admin/chat/").get_data(as_text=True)
    assert "Ada" in inbox and "waiting 12 min" in inbox and ">2<" in inbox
    page = staff_client.get(f"/admin/chat/{cid}").get_data(as_text=True)
    assert "Is kefir OK for lactose?" in page and number in page and "£24.00" in page
    # Opening it read it.
    assert ">2<" not in staff_client.get("/admin/chat/").get_data(as_text=True)


def test_staff_reply_close_and_reopen(app, client, staff_client):
    started = start(client)
    cid = started["conversation"]["id"]
    csrf = form_csrf_token(staff_client, f"/admin/chat/{cid}")
    staff_client.post(f"/admin/chat/{cid}/messages", data={"body": "Hello!", "csrf_token": csrf})
    for status in ("closed", "open"):
        response = staff_client.post(f"/admin/chat/{cid}/status",
                                     data={"status": status, "csrf_token": csrf})
        assert response.status_code == 303
        with app.app_context():
            assert db.session.get(Conversation, cid).status == status
    got = client.get(f"/api/v1/chat/conversations/{cid}?token={started['token']}").get_json()
    assert [(m["author"], m["body"]) for m in got["messages"]] == [
        ("customer", "Hello"), ("staff", "Hello!")]


def test_a_staff_reply_says_who_is_answering(app, client, staff_client):
    started = start(client)
    cid = started["conversation"]["id"]
    csrf = form_csrf_token(staff_client, f"/admin/chat/{cid}")
    assert staff_client.post(f"/admin/chat/{cid}/answering",
                             headers={"X-CSRFToken": csrf}).status_code == 204
    inbox = staff_client.get("/admin/chat/").get_data(as_text=True)
    assert "Packer is answering" in inbox


def test_saved_replies_are_added_offered_and_removed(staff_client, client):
    csrf = form_csrf_token(staff_client, "/admin/chat/replies")
    staff_client.post("/admin/chat/replies", data={"title": "Feeding", "csrf_token": csrf,
                                                   "body": "Feed grains fresh milk every day."})
    started = start(client)
    page = staff_client.get(f"/admin/chat/{started['conversation']['id']}").get_data(as_text=True)
    assert '<option value="Feed grains fresh milk every day.">Feeding</option>' in page
    bad = staff_client.post("/admin/chat/replies", data={"title": "", "body": "x",
                                                         "csrf_token": csrf})
    assert bad.status_code == 422


def test_a_staff_reply_that_is_empty_or_too_long_is_refused(app, client, staff_client):
    started = start(client)
    cid = started["conversation"]["id"]
    csrf = form_csrf_token(staff_client, f"/admin/chat/{cid}")
    for body in ("", "k" * 2001):
        response = staff_client.post(f"/admin/chat/{cid}/messages",
                                     data={"body": body, "csrf_token": csrf})
        assert response.status_code == 422
    assert count(app, Message) == 1


# --- The event stream's guards ---------------------------------------------------------------


def test_a_stream_refuses_a_foreign_origin(client):
    started = start(client)
    url = (f"/api/v1/chat/conversations/{started['conversation']['id']}/events"
           f"?token={started['token']}")
    response = client.get(url, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_the_storefront_sends_streams_to_the_stream_service_when_one_runs(app, client):
    app.config["CHAT_STREAM_PORT"] = 5999
    started = start(client)
    url = (f"/api/v1/chat/conversations/{started['conversation']['id']}/events"
           f"?token={started['token']}")
    assert client.get(url).status_code == 421


def test_a_stream_needs_the_token(client):
    started = start(client)
    url = f"/api/v1/chat/conversations/{started['conversation']['id']}/events?token=nope"
    assert client.get(url).status_code == 404


# --- The owner's figures ---------------------------------------------------------------------


def test_chat_figures_count_conversations_per_day_and_the_median_first_reply(
    app, client, clock, staff_client, admin_user
):
    day = date(2026, 11, 25)
    delays = [60, 300, 120, 3600]  # the median of four is the mean of 120 and 300
    for minutes_after, delay in enumerate(delays):
        clock.at = datetime(2026, 11, 25, 9, minutes_after, tzinfo=LONDON)
        cid = start(client)["conversation"]["id"]
        clock.at += timedelta(seconds=delay)
        csrf = form_csrf_token(staff_client, f"/admin/chat/{cid}")
        staff_client.post(f"/admin/chat/{cid}/messages", data={"body": "Hi", "csrf_token": csrf})
    clock.at = datetime(2026, 11, 26, 23, 30, tzinfo=LONDON)
    start(client, email="late@example.com")  # unanswered: counted, but not in the median
    with app.app_context():
        figures = chat_figures(day, day + timedelta(days=2))
        odd = chat_figures(day, day)
    assert figures["days"] == [{"date": "2026-11-25", "conversations": 4},
                               {"date": "2026-11-26", "conversations": 1},
                               {"date": "2026-11-27", "conversations": 0}]
    assert figures["conversations"] == 5
    assert figures["median_first_reply_seconds"] == 210.0
    assert odd["median_first_reply_seconds"] == 210.0
    with app.app_context():
        empty = chat_figures(date(2026, 1, 1), date(2026, 1, 2))
    assert empty["median_first_reply_seconds"] is None and empty["conversations"] == 0
    # The owner's reports show the same figures.
    owner = app.test_client()
    assert sign_in(owner, admin_user).status_code == 303
    page = owner.get("/admin/reports/?from=2026-11-25&to=2026-11-27").get_data(as_text=True)
    assert '<strong data-figure="conversations">5</strong> conversations started' in page
    assert '<strong data-figure="first-reply">4 min</strong>' in page  # 210 s, in whole minutes
    assert '<th scope="row">2026-11-25' in page and '<td class="num">4</td>' in page


# --- Staff: the admin API (bearer tokens) ----------------------------------------------------


def test_the_admin_chat_api_lists_reads_answers_closes_and_reopens(app, client, staff_token):
    auth = {"Authorization": f"Bearer {staff_token}"}
    started = start(client, email="ada@example.com", name="Ada")
    cid = started["conversation"]["id"]
    listed = client.get("/api/v1/admin/chat/conversations", headers=auth).get_json()
    [item] = listed["items"]
    assert item["id"] == cid and item["unread"] == 1 and item["waiting_seconds"] == 0
    assert "messages" not in item and "token" not in item
    one = client.get(f"/api/v1/admin/chat/conversations/{cid}", headers=auth).get_json()
    assert [m["body"] for m in one["messages"]] == ["Hello"] and one["orders"] == []
    sent = client.post(f"/api/v1/admin/chat/conversations/{cid}/messages", headers=auth,
                       json={"body": "Hi Ada"})
    assert sent.status_code == 201 and sent.get_json()["author"] == "staff"
    closed = client.patch(f"/api/v1/admin/chat/conversations/{cid}", headers=auth,
                          json={"status": "closed"})
    assert closed.get_json()["status"] == "closed"
    assert client.get("/api/v1/admin/chat/conversations", headers=auth).get_json() == {"items": []}
    refused = client.post(f"/api/v1/admin/chat/conversations/{cid}/messages", headers=auth,
                          json={"body": "Hello?"})
    assert refused.status_code == 409
    reopened = client.patch(f"/api/v1/admin/chat/conversations/{cid}", headers=auth,
                            json={"status": "open"})
    assert reopened.get_json()["status"] == "open"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("patch", "/conversations/1", {"status": "archived"}, 422),
    ("patch", "/conversations/1", {}, 422),
    ("post", "/conversations/1/messages", {"body": ""}, 422),
    ("post", "/conversations/1/messages", {"body": "k" * 2001}, 422),
    ("post", "/conversations/1/messages", {"body": 5}, 422),
    ("post", "/conversations/999/messages", {"body": "hi"}, 404),
    ("get", "/conversations?status=nope", None, 400),
    ("get", "/conversations/2147483648", None, 404),  # beyond any id the column holds
])
def test_the_admin_chat_api_refuses_bad_input_and_changes_nothing(
    app, client, staff_token, method, path, body, status
):
    start(client)
    response = getattr(client, method)(f"/api/v1/admin/chat{path}", json=body,
                                       headers={"Authorization": f"Bearer {staff_token}"})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert count(app, Message) == 1
    with app.app_context():
        assert db.session.get(Conversation, 1).status == "open"


def test_the_admin_chat_api_needs_a_bearer_token_not_a_cookie(client, staff_client):
    assert client.get("/api/v1/admin/chat/conversations").status_code == 401
    assert staff_client.get("/api/v1/admin/chat/conversations").status_code == 401


@pytest.mark.parametrize("first", ["shop", "shop.chat"])
def test_the_app_builds_in_a_fresh_process_whatever_is_imported_first(first, tmp_path):
    # gunicorn's workers import the app afresh; an import cycle shows only there.
    import subprocess
    import sys

    code = f"import {first}, shop; shop.create_app()"
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "SECRET_KEY": "x",
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_streams_wake_up_list_keeps_only_a_day(app, client, clock):
    from shop.chat.models import ChatEvent

    start(client)
    clock.at += timedelta(days=1, minutes=1)
    start(client)
    with app.app_context():
        kept = db.session.scalars(select(ChatEvent.conversation_id)).all()
    assert kept == [2]
