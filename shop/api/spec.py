"""The API's one description: spectree checks each request and writes the OpenAPI 3.1 document,
both from the typed models of shop/api/schemas.py, so the two can never disagree.

Views declare themselves with `@operation(...)`. Requests pass three gates, always in this order
and the same for every call:
  1. a body must be sent as `Content-Type: application/json` (else 415) and parse as JSON
     (else 400);
  2. it must be a JSON object (else 422, like any other value that is the wrong type);
  3. the model's checks (else 422 problem+json with `errors`: each field and what is wrong; in a
     query string, a value that cannot be read at all, such as page=x, is a 400).
Every operation documents 429 (the API's shared rate limit) and its errors as problem+json.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from werkzeug.exceptions import BadRequest

from shop.api.schemas import Problem as ProblemModel
from shop.api.schemas import ValidationProblem
from shop.domain.fields import Query, describe, field_errors, is_malformed
from shop.errors import Problem

PREFIX = "/api/v1"
BEARER = "bearerAuth"
#: The bodies each kind of error answers with.
_ERROR_MODELS = {422: ValidationProblem}
#: Operations whose body may be left out altogether, by operationId.
_OPTIONAL_BODIES: set[str] = set()


def json_object() -> dict[str, Any]:
    """The request's JSON object: 415 unless sent as JSON, 400 if unreadable, 422 if no object."""
    if request.mimetype != "application/json":
        raise Problem(415, "Send the body as JSON with 'Content-Type: application/json'.")
    try:
        body = request.get_json()  # kept by Flask for the model's check that follows
    except (BadRequest, RecursionError):
        raise Problem(400, "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Problem(422, "The body must be a JSON object.",
                      extra={"errors": {"body": "must be an object."}})
    return body


def _refuse_invalid(req, resp, error: ValidationError | None, instance, adapter) -> None:
    """spectree's hook after its checks: turn a refusal into our problem+json."""
    if error is None:
        return
    errors = field_errors(error)
    in_query = error.title in {model.__name__ for model in _query_models()}
    status = 400 if in_query and is_malformed(error) else 422
    raise Problem(status, describe(errors), extra={"errors": errors})


def _query_models() -> list[type]:
    found, todo = [], [Query]
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    return found


class Answers(Response):
    """spectree's responses, with errors as application/problem+json and links from a result."""

    def __init__(self, links: dict[str, dict] | None = None, **code_models: Any) -> None:
        super().__init__(**code_models)
        self.links = links or {}

    def generate_spec(self, naming_strategy: Callable = lambda model: model.__name__) -> dict:
        """The responses object of the operation."""
        responses = super().generate_spec(naming_strategy)
        for code, answer in responses.items():
            if int(code) >= 400 and "content" in answer:
                answer["content"] = {"application/problem+json": answer["content"].pop(
                    "application/json")}
            elif int(code) < 300 and self.links:
                answer["links"] = self.links
        return responses


class ShopSpec(SpecTree):
    """spectree, with paths written relative to the API's server (/api/v1)."""

    def _generate_spec(self) -> dict[str, Any]:
        spec = super()._generate_spec()
        spec["paths"] = {path.removeprefix(PREFIX): item for path, item in spec["paths"].items()}
        for item in spec["paths"].values():
            for operation in item.values():
                if operation["operationId"] in _OPTIONAL_BODIES:
                    operation["requestBody"]["required"] = False
                if not operation["tags"]:
                    del operation["tags"]
        for model in _query_models():  # described as parameters, not as schemas
            spec["components"]["schemas"].pop(model.__name__, None)
        del spec["tags"], spec["security"]
        return spec


api = ShopSpec(
    "flask",
    mode="strict",
    title="Kefir shop API",
    version="1.0.0",
    servers=[{"url": PREFIX}],
    security_schemes=[SecurityScheme(name=BEARER, data=SecuritySchemeData(
        type="http",
        scheme="bearer",
        description="A token from `flask --app shop create-api-token EMAIL`. The session "
        "cookie is never accepted here.",
    ))],
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_model=ValidationProblem,
    before=_refuse_invalid,
)


def operation(
    operation_id: str,
    ok: int,
    answer: type[BaseModel] | None,
    errors: tuple[int, ...] = (),
    *,
    bearer: bool = False,
    body_optional: bool = False,
    links: dict[str, dict] | None = None,
) -> Callable:
    """Declare a view: its answer on success, its errors, and (from the view's `json` and `query`
    parameters' types) what it reads. Every operation also documents 429."""
    codes = {ok: answer, **{code: _ERROR_MODELS.get(code, ProblemModel) for code in errors},
             429: ProblemModel}
    if bearer:
        codes |= {401: ProblemModel, 403: ProblemModel}
    if body_optional:
        _OPTIONAL_BODIES.add(operation_id)

    def decorate(view: Callable) -> Callable:
        answers = Answers(links, **{f"HTTP_{code}": model for code, model in codes.items()})
        validated = api.validate(resp=answers, operation_id=operation_id,
                                 security={BEARER: []} if bearer else None)(view)
        if "json" not in inspect.signature(view).parameters:
            return validated

        @wraps(validated)
        def checked(*args, **kwargs):
            if not (body_optional and not request.content_length):
                json_object()
            return validated(*args, **kwargs)

        return checked

    return decorate


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (built by spectree once per process, from the app's routes)."""
    return copy.deepcopy(api.spec)


def link(operation_id: str, **parameters: str) -> dict[str, dict]:
    """An OpenAPI link: the values of `operation_id`'s parameters, taken from this call."""
    return {"operationId": operation_id, "parameters": parameters}


def admin_links(noun: str, key: str) -> dict[str, dict]:
    """Links from an admin resource just answered to reading, changing and deleting it
    (adminGet<noun>, adminUpdate<noun>, adminDelete<noun>), by the `key` in the answer."""
    return {f"{verb}{noun}": link(f"admin{verb}{noun}", **{key: f"$response.body#/{key}"})
            for verb in ("Get", "Update", "Delete")}
