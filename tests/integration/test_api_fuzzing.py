"""The API against its own OpenAPI document: schemathesis generates requests, good and bad.

At least 100 generated cases per operation, derandomized so a run repeats the last one, sent
in-process (WSGI) to the app on SQLite and on PostgreSQL, the admin operations with a real
bearer token. Every answer must be documented, match its schema, and never be a server error;
valid data must be accepted and invalid data refused. Then the stateful phase follows the
document's links (the product a POST creates to its GET, PATCH and DELETE, and so on).
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from shop import create_app
from shop.admin.accounts import hash_token
from shop.admin.models import ApiToken, User
from shop.api.spec import document
from shop.catalogue.seed import seed_catalogue
from shop.extensions import db
from shop.models import Category, Product
from tests.factories import DEFAULT_NOW


def _served_document() -> dict:
    # The document only depends on the routes, so any app writes it; this one opens nothing.
    app = create_app({"TESTING": True, "SECRET_KEY": "unused", "DATABASE_URL": "sqlite://"})
    with app.app_context():
        return document()


schema = schemathesis.openapi.from_dict(_served_document())
#: Only the shop knows which categories and products exist; no schema can say. Where the fuzzer
#: writes a well-formed reference, it is made a real one, so that valid data can be accepted
#: (a malformed reference stays as it is, and must be refused).
REAL: dict[str, list[str]] = {"category": [], "products": []}
SETTINGS = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    # One app (and database) per operation, not per generated case.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)


#: The admin's API token while fuzzing. The value is known in advance because schemathesis
#: prepares some cases before any test runs; each app stores it as create-api-token would.
FUZZ_TOKEN = "ks_fuzzing-" + "k" * 32


@schema.auth()
class AdminToken:
    """Authenticate every admin call with a real token, as schemathesis's own auth, so that the
    calls it makes without one on purpose (to see auth enforced) stay without one."""

    def get(self, case, context) -> str:
        return FUZZ_TOKEN

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _real(kind: str, value: str) -> str:
    """A real category or product slug, picked by the generated value."""
    choices = REAL[kind]
    return choices[zlib.crc32(value.encode("utf-8", "surrogatepass")) % len(choices)]


def use_real_references(case) -> None:
    """Turn well-formed category and product references into real ones, and a report's two
    well-formed days into a range (first day first, at most 366 days), in every phase."""
    order_report_range(case.query)
    body = case.body
    if not isinstance(body, dict):
        return
    category = body.get("category")
    if isinstance(category, str) and category.strip() and len(category) <= 80 \
            and "\x00" not in category:
        body["category"] = _real("category", category)
    products = body.get("products")
    if isinstance(products, list) and len(products) <= 8 and all(
            isinstance(slug, str) and len(slug) <= 120 for slug in products):
        body["products"] = [_real("products", slug) for slug in products]


def order_report_range(query: dict | None) -> None:
    """No schema can say that `from` comes before `to` (today by default): where the days given
    are real, make them a range the report accepts."""
    if not query or not {"from", "to"} & set(query):
        return
    today = DEFAULT_NOW.date().isoformat()
    try:
        first, last = sorted(date.fromisoformat(query.get(name, today)) for name in ("from", "to"))
    except (TypeError, ValueError):
        return
    query["from"] = max(first, last - timedelta(days=365)).isoformat()
    query["to"] = last.isoformat()


def reset_shop(app: Flask) -> None:
    """An empty database with the demo catalogue and an admin holding FUZZ_TOKEN."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        seed_catalogue(db.session)
        admin = User(email="fuzzer@kefirshop.example", role="admin", password_hash="!",
                     session_nonce="0" * 32)
        db.session.add(ApiToken(user=admin, token_hash=hash_token(FUZZ_TOKEN),
                                prefix=FUZZ_TOKEN[:10], name="fuzzing"))
        db.session.commit()
        REAL["category"] = list(db.session.scalars(select(Category.slug).order_by(Category.id)))
        REAL["products"] = list(db.session.scalars(select(Product.slug).order_by(Product.id)))


@pytest.fixture
def fuzzed_app(app: Flask) -> Iterator[Flask]:
    """The app with the demo shop, its limits and caches out of the fuzzer's way."""
    # The fuzzer may send as many requests as it likes; the limit itself is tested elsewhere.
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    app.config.update(CHAT_NEW_CONVERSATIONS_PER_ADDRESS="1000000 per minute",
                      CHAT_LIMIT_PER_ADDRESS="1000000 per minute",
                      CHAT_LIMIT_PER_CONVERSATION="1000000 per minute")
    # Each answer reads the database as it is now; the caches have their own tests.
    app.config.update(CATALOGUE_CACHE_TTL=0, PAGE_CACHE_TTL=0)
    reset_shop(app)
    # The stateful phase's probes (the same call without the token, say) go to this app too.
    schema.app = app
    yield app
    schema.app = None
    REAL.update(category=[], products=[])


def _call_kwargs(app: Flask) -> dict:
    # In-process calls are not decompressed (a real HTTP client would), so ask for none;
    # compression has its own tests.
    return {"app": app, "headers": {"Accept-Encoding": "identity"}}


def _excluded(case) -> list:
    # Checkout accepts a schema-valid body only for a basket with goods in stock and an address
    # of a real UK shape, which no schema can promise: there a 409 or 422 is the right answer.
    # Every other check (no server error, documented statuses, response schemas) still runs.
    # Starting a chat likewise: outside chat hours it needs an email address that can be
    # written to, and a named order must be the customer's own. A discount code applies only
    # if staff created it and the basket meets its terms; a code's value is checked against
    # its kind (1-100 for percent, pence for amount), and a new code must not exist already.
    # Accounts too: a well-formed body may still hold a weak password, an address that is no
    # email, an email with an account already, or the wrong password. A product's stock is
    # set only against the figure the caller last saw (expected_stock: 428 without it, 409 if
    # it moved), and by a new figure or an adjustment, never both (422).
    refused_by_the_shop = {"POST /checkout", "POST /chat/conversations", "POST /basket/discount",
                           "POST /admin/discounts", "PATCH /admin/discounts/{code}",
                           "PATCH /admin/products/{slug}",
                           "POST /account", "POST /session", "DELETE /account"}
    return [positive_data_acceptance] if case.operation.label in refused_by_the_shop else []


def test_the_fuzzed_document_is_the_one_the_api_serves(client):
    assert client.get("/api/v1/openapi.json").get_json() == schema.raw_schema


def test_every_operation_documents_the_rate_limit_as_a_problem():
    operations = [operation for item in document_paths().values() for operation in item.values()]
    assert len(operations) >= 22
    for operation in operations:
        answer = operation["responses"]["429"]
        assert set(answer["content"]) == {"application/problem+json"}, operation["operationId"]


def test_the_document_links_created_resources_to_what_can_be_done_with_them():
    links = document_paths()["/admin/products"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "adminGetProduct", "adminUpdateProduct", "adminDeleteProduct"}
    assert links["UpdateProduct"]["parameters"] == {"slug": "$response.body#/slug"}


def document_paths() -> dict:
    return copy.deepcopy(schema.raw_schema["paths"])


@schema.parametrize()
@SETTINGS
def test_api_answers_every_generated_request_as_its_document_says(case, fuzzed_app: Flask):
    # The auth probes (this call without the token …) are sent by the operation's own schema.
    case.operation.schema.app = fuzzed_app
    use_real_references(case)
    case.call_and_validate(**_call_kwargs(fuzzed_app), excluded_checks=_excluded(case))


def test_api_follows_its_links_statefully(fuzzed_app: Flask):
    kwargs = _call_kwargs(fuzzed_app)

    class Scenario(schema.as_state_machine()):
        def setup(self):
            # Every scenario starts from the same shop, so that a replay sees what the first
            # run saw (Hypothesis insists) and a failure can be shrunk.
            reset_shop(fuzzed_app)

        def before_call(self, case):
            use_real_references(case)

        def get_call_kwargs(self, case):
            return kwargs

        def validate_response(self, response, case, additional_checks=None, **transport):
            case.validate_response(response, additional_checks=additional_checks,
                                   excluded_checks=_excluded(case),
                                   transport_kwargs=transport or None, recorder=self.recorder)

    Scenario.run(settings=settings(SETTINGS, max_examples=30, stateful_step_count=6))
