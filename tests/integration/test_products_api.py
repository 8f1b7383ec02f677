"""The catalogue's JSON API and its problem+json errors."""

import re

import pytest
from flask.testing import FlaskClient

pytestmark = pytest.mark.usefixtures("catalogue")

PRODUCT_FIELDS = {"slug", "name", "description", "category", "category_name", "price_pence",
                  "currency", "in_stock", "stock_available", "image_url", "url"}


def test_products_api_lists_a_page_with_totals(client: FlaskClient):
    body = client.get("/api/v1/products?per_page=5").get_json()
    assert body["page"] == 1 and body["per_page"] == 5 and body["total"] == 21
    assert len(body["items"]) == 5
    assert set(body["items"][0]) == PRODUCT_FIELDS


def test_products_api_filters_by_category_slug(client: FlaskClient):
    body = client.get("/api/v1/products?category=grains-starter-kits&per_page=100").get_json()
    assert body["total"] == 6
    assert {item["category"] for item in body["items"]} == {"grains-starter-kits"}


def test_products_api_searches_text(client: FlaskClient):
    body = client.get("/api/v1/products?q=goat").get_json()
    assert [item["slug"] for item in body["items"]] == ["goats-milk-kefir-500ml"]


def test_a_page_past_the_end_is_empty_not_an_error(client: FlaskClient):
    body = client.get("/api/v1/products?page=50").get_json()
    assert body["items"] == [] and body["total"] == 21


def test_one_product_has_integer_pence_and_absolute_urls(client: FlaskClient):
    body = client.get("/api/v1/products/goats-milk-kefir-500ml").get_json()
    assert body["price_pence"] == 595 and isinstance(body["price_pence"], int)
    assert body["currency"] == "GBP"
    assert body["category"] == "milk-kefir" and body["category_name"] == "Milk kefir"
    assert body["in_stock"] is True and body["stock_available"] == 18
    assert body["url"] == "http://localhost/products/goats-milk-kefir-500ml"
    # Fingerprinted like every static URL, so clients may cache the image for a year.
    assert re.fullmatch(r"http://localhost/static/img/products/goats-milk-kefir-500ml\.[0-9a-f]{12}\.svg",
                        body["image_url"])


def test_unknown_product_is_a_problem_404(client: FlaskClient):
    response = client.get("/api/v1/products/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] == "Not Found" and "nope" in body["detail"]
    assert body["type"] == "about:blank"


@pytest.mark.parametrize(
    ("query", "status"),
    [("page=0", 422), ("page=x", 400), ("per_page=101", 422), ("per_page=0", 422),
     ("page=1e3", 400), ("per_page=%20", 400), ("q=" + "a" * 300, 422)],
)
def test_bad_list_queries_are_problems(client: FlaskClient, query, status):
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_unknown_api_path_is_a_problem_not_html(client: FlaskClient):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_is_a_problem_405(client: FlaskClient):
    response = client.delete("/api/v1/products")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_openapi_document_describes_the_catalogue(client: FlaskClient):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/products", "/products/{slug}", "/chat/status"} <= set(doc["paths"])
    assert set(doc["components"]["schemas"]["Product"]["required"]) == PRODUCT_FIELDS
