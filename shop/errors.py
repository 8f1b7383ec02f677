"""Errors: application/problem+json for the API, friendly pages for people."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class Problem(HTTPException):
    """An HTTP error with a detail sentence, raised from API code."""

    def __init__(self, status: int, detail: str, title: str | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title


def wants_json() -> bool:
    path = request.path
    return (
        path.startswith("/api/")
        or path.startswith("/stripe/")
        or path == "/healthz"
        or request.accept_mimetypes.best == "application/json"
    )


def problem(status: int, detail: str, title: str | None = None) -> Response:
    """Build an RFC 9457 problem+json response."""
    from http import HTTPStatus

    title = title or HTTPStatus(status).phrase
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def init_app(app: Flask) -> None:
    """Register one handler for every HTTP error and one for anything unexpected."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        status = error.code or 500
        if wants_json():
            title = getattr(error, "title", None) or error.name
            response = problem(status, error.description or "", title)
        else:
            response = app.make_response(
                (render_template("errors/error.html", error=error, status=status), status)
            )
        for name, value in (error.get_headers() if error.response is None else []):
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return handle_http(
            InternalServerError("Something went wrong on our side. Please try again.")
        )
