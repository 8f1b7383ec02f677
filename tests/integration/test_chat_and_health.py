"""The chat-status API, the header indicator against the app's clock, and /healthz."""

from datetime import datetime

import pytest
from flask.testing import FlaskClient

from shop.domain import LONDON


def test_chat_status_answers_for_any_instant(client: FlaskClient):
    body = client.get("/api/v1/chat/status?at=2026-07-01T07:30:00%2B00:00").get_json()
    assert body == {
        "online": True,
        "opens_at": "2026-07-01T08:00:00+01:00",
        "closes_at": "2026-07-01T20:00:00+01:00",
        "timezone": "Europe/London",
        "label": "online now, until 8pm",
        "next_change": "2026-07-01T20:00:00+01:00",
    }


def test_chat_status_defaults_to_the_app_clock(client: FlaskClient, clock):
    clock.at = datetime(2026, 11, 25, 21, 0, tzinfo=LONDON)
    body = client.get("/api/v1/chat/status").get_json()
    assert body["online"] is False and body["label"] == "opens 8am tomorrow"


@pytest.mark.parametrize(("at", "status"), [("yesterday", 400), ("2026-11-25T10:00:00", 422)])
def test_chat_status_refuses_unreadable_or_naive_instants(client: FlaskClient, at, status):
    response = client.get(f"/api/v1/chat/status?at={at}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("hour", "state", "words"),
    [(7, "offline", "Live chat — opens 8am"), (8, "online", "Live chat — online now, until 8pm"),
     (20, "offline", "Live chat — opens 8am tomorrow")],
)
def test_header_indicator_follows_the_clock(client: FlaskClient, clock, hour, state, words):
    clock.at = datetime(2026, 11, 25, hour, 0, tzinfo=LONDON)
    html = client.get("/").get_data(as_text=True)
    assert f'data-chat-status="{state}"' in html
    assert words in html


def test_healthz_is_ok_when_the_database_answers(client: FlaskClient):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from shop import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
