"""Errors: application/problem+json for the API, friendly pages for people."""

from __future__ import annotations

import logging
from typing import TypeVar

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Problem(HTTPException):
    """An HTTP error with a detail sentence, raised from API code."""

    def __init__(
        self, status: int, detail: str, title: str | None = None, extra: dict | None = None
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.extra = extra or {}  # further members of the problem, e.g. {"errors": {...}}


def or_404(thing: T | None, missing: str) -> T:
    """What a lookup found; when it found nothing, a 404 problem whose detail is `missing`."""
    if thing is None:
        raise Problem(404, missing)
    return thing


def wants_json() -> bool:
    path = request.path
    return (
        path.startswith("/api/")
        or path.startswith("/stripe/")
        or path == "/healthz"
        or request.accept_mimetypes.best == "application/json"
    )


def problem(
    status: int, detail: str, title: str | None = None, extra: dict | None = None
) -> Response:
    """Build an RFC 9457 problem+json response."""
    from http import HTTPStatus

    title = title or HTTPStatus(status).phrase
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


#: Errors with a page of their own; any other status shows errors/error.html.
OWN_PAGES = frozenset({404, 429, 500})
#: Said when even the friendly page cannot be drawn (its header reads the database, say).
BARE_PAGE = (
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{status} | Kefir '
    'Shop</title></head><body><h1>Sorry, something went wrong</h1><p>Please try again in a '
    'moment, or <a href="/">go back to the shop</a>.</p></body></html>'
)


def error_page(error: HTTPException, status: int) -> str:
    """The friendly page for an error: its own template for 404, 429 and 500."""
    template = f"errors/{status}.html" if status in OWN_PAGES else "errors/error.html"
    try:
        return render_template(template, error=error, status=status, detail=own_words(error))
    except Exception:  # noqa: BLE001  (a failing error page must still answer, and say little)
        log.exception("the %s page could not be rendered", status)
        return BARE_PAGE.format(status=status)


def own_words(error: HTTPException) -> str:
    """The sentence the shop wrote for this error, or "" for a library's default one
    (werkzeug's "The requested URL was not found…", or a rate limit's "5 per 1 minute")."""
    limit = getattr(error, "limit", None)
    if limit is not None and not limit.error_message:
        return ""
    if error.description == type(error).description:
        return ""
    return error.description or ""


def init_app(app: Flask) -> None:
    """Register one handler for every HTTP error and one for anything unexpected."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        status = error.code or 500
        if wants_json():
            title = getattr(error, "title", None) or error.name
            response = problem(status, error.description or "", title,
                               getattr(error, "extra", None))
        else:
            response = app.make_response((error_page(error, status), status))
        for name, value in (error.get_headers() if error.response is None else []):
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(DataError)
    def handle_unstorable_value(error: DataError) -> Response:
        # The database refused a value the request brought (PostgreSQL: a NUL character in
        # text, a number out of range): bad input, so a 400, never a 500.
        from shop.extensions import db

        db.session.rollback()
        log.warning("the database refused a value on %s %s: %s", request.method, request.path,
                    error.orig)
        return handle_http(BadRequest("The request holds a value the shop cannot store."))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return handle_http(
            InternalServerError("Something went wrong on our side. Please try again.")
        )
