"""The health check a load balancer polls."""

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shop.errors import problem
from shop.extensions import db

bp = Blueprint("health", __name__)


@bp.after_request
def never_cache(response):
    """A load balancer must see the database's state now, never a cached answer."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return problem(503, "The database is unreachable.")
    return {"status": "ok"}
