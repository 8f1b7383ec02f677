"""One rule for request bodies on every write of the API, read from its own document."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.api.spec import document

pytestmark = pytest.mark.usefixtures("catalogue")

#: Each malformed body, and the status every write answers it with.
MALFORMED = [
    ("text/plain", '{"quantity": 1}', 415),
    ("application/x-www-form-urlencoded", "quantity=1", 415),
    ("application/json", '{"quantity": 1', 400),
    ("application/json", "", 400),
    ("application/json", "[" * 100_000, 400),
    ("application/json", '["quantity", 1]', 422),
    ("application/json", '"quantity"', 422),
    ("application/json", "null", 422),
]


def writes(app: Flask, sent: str) -> list[tuple[str, str]]:
    """Every operation that reads a JSON body: method and path (parameters filled in).

    An empty body counts as none where the body may be left out (a refund's).
    """
    with app.app_context():
        paths = document()["paths"]
    return [(method.upper(), "/api/v1" + path.replace("{slug}", "kefir-soap-bar")
             .replace("{number}", "KS-000001").replace("{conversation_id}", "1"))
            for path, item in paths.items() for method, operation in item.items()
            if "requestBody" in operation and (sent or operation["requestBody"]["required"])]


@pytest.mark.parametrize(("content_type", "data", "status"), MALFORMED)
def test_the_same_malformed_body_gets_the_same_problem_everywhere(
    app: Flask, client: FlaskClient, admin_token: str, content_type, data, status
):
    calls = writes(app, data)
    assert len(calls) >= 7
    for method, path in calls:
        response = client.open(path, method=method, data=data, content_type=content_type,
                               headers={"Authorization": f"Bearer {admin_token}"})
        assert response.status_code == status, (method, path, response.get_json())
        assert response.mimetype == "application/problem+json"


def test_invalid_values_are_422_naming_each_field(client: FlaskClient):
    response = client.post("/api/v1/basket/items", json={"slug": "", "quantity": 1.5, "x": 1})
    problem = response.get_json()
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert set(problem["errors"]) == {"slug", "quantity", "x"}
    assert problem["errors"]["quantity"] == "must be a whole number."


def test_a_checkout_address_error_names_the_nested_field(client: FlaskClient):
    response = client.post("/api/v1/checkout", json={
        "email": "ada@example.com", "name": "Ada",
        "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "90210"}})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"address.postcode"}
