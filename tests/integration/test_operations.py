"""Operations: request ids, one JSON log line per request, Prometheus metrics, API rate limit."""

import io
import json
import logging
import re
import sys
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop import create_app
from shop.observability import JSONFormatter, sole_json_handler

ACCESS = "shop.access"


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS]


def test_every_response_carries_a_fresh_request_id(client: FlaskClient):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/nope").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_request_id_from_the_load_balancer_is_kept(client: FlaskClient):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a-0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a-0001"


@pytest.mark.parametrize("bad", ["x" * 129, "two words", 'quote"s', "new\u2028line"])
def test_an_unsafe_incoming_request_id_is_replaced(client: FlaskClient, bad):
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_each_request_is_logged_once_with_id_route_status_and_duration(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger=ACCESS)
    response = client.get("/api/v1/chat/status", headers={"X-Request-ID": "req-1"})
    [record] = access_records(caplog)
    line = json.loads(JSONFormatter().format(record))
    assert line["request_id"] == response.headers["X-Request-ID"] == "req-1"
    assert line["level"] == "info" and line["logger"] == ACCESS
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/chat/status"
    assert line["endpoint"] == "api.chat_status"
    assert line["route"] == "/api/v1/chat/status"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def shop_log_alone(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the shop's own JSON handler writes, with nothing else listening, as under
    gunicorn (pytest's capture handlers join the root logger as a test starts, so this is
    called in the test itself)."""
    [handler] = logging.getLogger("shop").handlers
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    assert sole_json_handler(logging.getLogger(ACCESS)) is handler
    return stream


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_access_line_written_straight_to_the_stream_is_the_line_logging_writes(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
):
    shop_log = shop_log_alone(monkeypatch)
    headers = {"X-Request-ID": "req-7"}
    client.get("/api/v1/chat/status", headers=headers)
    direct = json.loads(shop_log.getvalue())
    listener = Records()
    monkeypatch.setattr(logging.getLogger(), "handlers", [listener])  # logging's way again
    client.get("/api/v1/chat/status", headers=headers)
    [record] = [r for r in listener.records if r.name == ACCESS]
    logged = json.loads(JSONFormatter().format(record))
    assert list(direct) == list(logged)  # the same fields in the same order
    assert {**direct, "time": None, "duration_ms": None} == \
        {**logged, "time": None, "duration_ms": None}
    assert direct["message"] == "GET /api/v1/chat/status 200" and direct["request_id"] == "req-7"


def test_an_operators_handler_or_filter_gets_the_access_line_through_logging(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
):
    shop_log = shop_log_alone(monkeypatch)
    access = logging.getLogger(ACCESS)
    listener = Records()
    monkeypatch.setattr(access, "handlers", [listener])
    client.get("/healthz")
    assert [r.getMessage() for r in listener.records] == ["GET /healthz 200"]
    assert json.loads(shop_log.getvalue())["path"] == "/healthz"  # still written once
    monkeypatch.setattr(access, "handlers", [])
    dropped = logging.Filter("nothing-at-all")
    monkeypatch.setattr(access, "filters", [dropped])
    assert sole_json_handler(access) is None
    client.get("/healthz")
    assert len(shop_log.getvalue().splitlines()) == 1  # the filter had its say


def test_other_log_lines_written_during_a_request_carry_its_request_id(app: Flask):
    with app.test_request_context("/healthz", headers={"X-Request-ID": "req-42"}):
        app.preprocess_request()
        record = logging.LogRecord("shop.errors", logging.ERROR, __file__, 1, "boom", (), None)
        line = json.loads(JSONFormatter().format(record))
    assert line["request_id"] == "req-42"


def test_a_request_refused_by_a_404_or_the_rate_limit_is_logged_with_its_status(
    app: Flask, caplog: pytest.LogCaptureFixture
):
    app.config["API_RATE_LIMIT"] = "1 per hour"
    client = app.test_client()
    caplog.set_level(logging.INFO, logger=ACCESS)
    client.get("/no-such-page")
    client.get("/api/v1/chat/status")
    client.get("/api/v1/chat/status")
    statuses = [(r.endpoint, r.status) for r in access_records(caplog)]
    assert statuses == [("none", 404), ("api.chat_status", 200), ("api.chat_status", 429)]


def test_log_lines_are_json_with_the_message_and_any_exception():
    try:
        raise ValueError("broken")
    except ValueError:
        error = sys.exc_info()
    record = logging.LogRecord("shop", logging.ERROR, __file__, 1, "failed %s", ("x",), error)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "failed x" and line["level"] == "error"
    assert "ValueError: broken" in line["exception"]


def test_metrics_are_404_unless_enabled(client: FlaskClient):
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_and_time_them_by_endpoint_and_status(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "METRICS_ENABLED": True,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    client = app.test_client()
    client.get("/api/v1/chat/status")
    client.get("/api/v1/chat/status")
    client.get("/no-such-page")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert ('shop_http_requests_total{endpoint="api.chat_status",method="GET",status="200"} 2.0'
            in text)
    assert 'shop_http_requests_total{endpoint="none",method="GET",status="404"} 1.0' in text
    assert re.search(
        r'shop_http_request_duration_seconds_count\{endpoint="api.chat_status",method="GET",'
        r'status="200"\} 2.0', text)
    assert 'shop_http_request_duration_seconds_bucket{endpoint="api.chat_status",le="0.005"' in text


def test_api_over_its_rate_limit_answers_429_problem_json_with_retry_after(app: Flask):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    statuses = [client.get("/api/v1/chat/status").status_code for _ in range(3)]
    refused = client.get("/api/v1/products")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_every_api_answer_says_how_much_of_its_callers_budget_is_left(app: Flask):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    answers = [client.get("/api/v1/chat/status") for _ in range(4)]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert int(answers[0].headers["X-RateLimit-Reset"]) > time.time()
    assert answers[-1].status_code == 429


def test_a_call_with_a_limit_of_its_own_spends_one_from_the_api_budget_too(app: Flask):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    app.config["CHAT_NEW_CONVERSATIONS_PER_ADDRESS"] = "10 per hour"
    client = app.test_client()
    started = [client.post("/api/v1/chat/conversations", json={"message": "hi"})
               for _ in range(2)]
    assert [answer.status_code for answer in started] == [201, 201]
    # Its headers are its own limit's, once: not the budget's beside them.
    assert started[1].headers.getlist("X-RateLimit-Limit") == ["10"]
    assert client.get("/api/v1/chat/status").status_code == 200
    assert client.get("/api/v1/chat/status").status_code == 429


def test_every_route_of_the_api_draws_on_its_budget(app: Flask):
    from shop.api_budget import BLUEPRINTS

    api = {rule.endpoint.rpartition(".")[0] for rule in app.url_map.iter_rules()
           if rule.rule.startswith("/api/")}
    assert api == BLUEPRINTS


def test_pages_do_not_count_against_the_api_rate_limit(app: Flask):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    for _ in range(5):
        assert client.get("/blog/").status_code == 200
    assert client.get("/api/v1/chat/status").status_code == 200


def test_flask_is_asked_once_how_to_call_each_hook_and_view(app: Flask, monkeypatch):
    asked = []
    real = Flask.ensure_sync
    monkeypatch.setattr(Flask, "ensure_sync", lambda self, func: asked.append(func) or real(
        self, func))
    client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert asked and len(asked) == len(set(asked))  # each function once, not once a request
    view = app.view_functions["health.healthz"]
    assert app.ensure_sync(view) is view
