"""Extensions created bare here and bound to the app in create_app."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from weakref import WeakKeyDictionary

from flask import Flask, has_request_context, request
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, registry

from shop import api_budget

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING), type_annotation_map={datetime: UTCDateTime}
    )


#: Blueprints whose GET and HEAD requests only ever read.
READING_BLUEPRINTS = frozenset({"catalogue", "blog", "seo", "pages"})
_autocommit: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def autocommit(engine: Engine) -> Engine:
    """`engine` with each statement committing alone (its connections outside a transaction),
    sharing its pool; made once per engine."""
    if engine not in _autocommit:
        _autocommit[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return _autocommit[engine]


class ShopSession(Session):
    """Flask-SQLAlchemy's session, reading the storefront's pages outside a transaction.

    A page that only reads needs no BEGIN and ROLLBACK around its SELECT: on PostgreSQL those
    two round trips cost the server more than the query itself. Each statement still sees the
    data committed when it starts, which is all READ COMMITTED (PostgreSQL's default) ever
    promised a transaction's statements; everything else, and every write, runs in a
    transaction as before.
    """

    def get_bind(self, *args, **kwargs):
        bind = super().get_bind(*args, **kwargs)
        # SQLite's driver opens a transaction only to write, so reads are outside one already.
        if _reading_request() and isinstance(bind, Engine) and bind.dialect.name != "sqlite":
            return autocommit(bind)
        return bind


def _reading_request() -> bool:
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and request.blueprint in READING_BLUEPRINTS
    )


db = SQLAlchemy(model_class=Base, session_options={"class_": ShopSession})
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()


def init_csrf(app: Flask) -> None:
    """Flask-WTF's CSRF check on the methods it guards, and only on those.

    Flask-WTF's own hook looks up whether the view is exempt before it looks at the method,
    so every page view paid for a lookup (5 µs) whose answer it then threw away. Turning its
    default check off (WTF_CSRF_CHECK_DEFAULT, its documented switch) and calling its
    `protect` from a hook that asks the method first keeps the same check, exemptions and
    errors, in the same place among the hooks (before the rate limiter's).
    """
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    config = app.config

    @app.before_request
    def check_csrf() -> None:
        if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout let several gunicorn workers share one SQLite file.

    In WAL mode, synchronous=NORMAL syncs the log at checkpoints rather than on every
    commit: the database cannot be corrupted, and only a power cut (not a crash of the app)
    can lose the last commits. SQLite's documentation recommends it for WAL.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def ping_idle_connections(engine: Engine, after_seconds: float) -> None:
    """Check a pooled connection before lending it out, when it has lain idle for a while.

    SQLAlchemy's pool_pre_ping checks every connection on every checkout: a round trip per
    request, which on a busy page costs more than its query. A connection in steady use is
    known to be alive; one idle for `after_seconds` may have been cut (a database restart, a
    firewall's idle timeout), so that one is pinged, and a dead one is replaced
    (DisconnectionError tells the pool to connect afresh) before any request sees it.
    """

    @event.listens_for(engine, "checkin")
    def note_idle(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < after_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"an idle pooled connection was dead: {exc}") from exc


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process storage (`memory://`), sweeping out expired counters at most once a
    second as hits come in, rather than starting a timer thread on almost every hit.

    Counters are read as expired whenever they are (MemoryStorage.get checks), so the sweep
    only gives back the memory of addresses not seen again; a thread per API call (one every
    10 ms under load) cost a first basket add more than the rest of the rate limit check.
    Used when there is no Redis (make run on a laptop); `shop-memory://` names it.
    """

    STORAGE_SCHEME = ["shop-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, **options) -> None:
        super().__init__(uri, **options)
        self.swept_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (overrides limits' own)
        if time.monotonic() - self.swept_at >= self.SWEEP_SECONDS:
            self.swept_at = time.monotonic()
            self._MemoryStorage__expire_events()


if not hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry"):  # a limits that changed
    raise RuntimeError("limits.storage.MemoryStorage no longer schedules expiry as expected")


def init_limiter(app: Flask) -> None:
    """Bind Flask-Limiter and the API's budget (shop.api_budget), with Flask-Limiter's three
    per-request hooks run only where it has work.

    Its limits are the ones decorated on views (checkout, the chat, sign-in): each decorator
    checks its own as its view is called, so the before-request hook has nothing to check on
    the storefront's reading pages or on the API (whose budget is checked by its own hook),
    and the after-request and teardown hooks nothing to do unless a limit was checked in the
    request (Flask-Limiter keeps that state on the request context). Yet each would resolve
    and scan limits, or make and clear that state, on every request: 8 % of a page under
    gunicorn (py-spy), 13 % of a first basket add. Its hooks are found by their owner, and a
    version of Flask-Limiter that registers them differently stops the app at start-up.
    """
    # First, so that its after-request hook runs after Flask-Limiter's (Flask runs them in
    # reverse), and a decorated limit's headers, when there are some, are the ones sent.
    api_budget.init_app(app, limiter)
    limiter.init_app(app)
    wrapped = 0
    for hooks, skip in ((app.before_request_funcs[None], _nothing_to_check),
                        (app.after_request_funcs[None], _no_limit_checked),
                        (app.teardown_request_funcs[None], _no_limit_checked)):
        for index, hook in enumerate(hooks):
            owner = getattr(hook, "__self__", None) or next(iter(getattr(hook, "args", ())), None)
            if owner is limiter:
                hooks[index] = _unless(skip, hook)
                wrapped += 1
    if limiter.enabled and wrapped != 3:
        raise RuntimeError(f"expected Flask-Limiter's three request hooks, found {wrapped}")


def _nothing_to_check() -> bool:
    return _reading_request() or request.blueprint in api_budget.BLUEPRINTS


def _no_limit_checked() -> bool:
    return not hasattr(request_ctx, LIMITER_STATE)


#: Where Flask-Limiter keeps a request's state, on the request context (flask_limiter's
#: Limiter.context); if it moved, the Retry-After of a limited page would go missing
#: (tests/integration/test_error_pages.py).
LIMITER_STATE = "_limiter_request_context"


def _unless(skip: Callable[[], bool], hook: Callable) -> Callable:
    @wraps(hook)
    def unless_nothing_to_do(*args):
        if skip():
            return args[0] if args else None  # an after-request hook hands the response on
        return hook(*args)

    return unless_nothing_to_do
