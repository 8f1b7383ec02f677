"""Live chat and lifetime support: /support/ (the chat without JavaScript), the chat JSON API
and its event streams, and the staff's chat API. The inbox lives in shop/admin/views/chat.py."""

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request

bp = Blueprint("support", __name__)
api_bp = Blueprint("chat_api", __name__)
admin_api_bp = Blueprint("chat_admin_api", __name__)

# The chat's APIs draw on the same per-address budget as the rest of /api/v1 (shop.api_budget).


def init_app(app: Flask) -> None:
    """Settings, the /support/ pages and the chat's APIs (CSRF-exempt: JSON bodies, no forms)."""
    # Imported here, not above: the admin API's views import the admin package, which imports
    # the chat's inbox, which imports this package.
    from shop.chat import admin_api, api, settings, views  # noqa: F401  (views register)
    from shop.domain.conversation import render_body
    from shop.extensions import csrf

    settings.init_app(app)
    app.jinja_env.filters["chat_body"] = render_body
    app.jinja_env.globals["chat_stream_port"] = app.config["CHAT_STREAM_PORT"]
    if app.config["CHAT_STREAM_PORT"]:
        app.after_request(_connect_to_stream_port)
    app.register_blueprint(bp, url_prefix="/support")
    app.register_blueprint(api_bp, url_prefix="/api/v1/chat")
    app.register_blueprint(admin_api_bp, url_prefix="/api/v1/admin/chat")
    csrf.exempt(api_bp)
    csrf.exempt(admin_api_bp)


def _connect_to_stream_port(response: Response) -> Response:
    """make run: pages may open streams on the stream service's port of their own host."""
    from shop.security import CSP

    policy = response.headers.get("Content-Security-Policy", CSP)
    response.headers["Content-Security-Policy"] = _with_stream_origin(
        policy, request.scheme, request.host, current_app.config["CHAT_STREAM_PORT"])
    return response


@lru_cache(maxsize=64)
def _with_stream_origin(policy: str, scheme: str, host: str, port: int) -> str:
    """`policy` letting pages connect to `port` on the host they were served from (worked out
    once per host, as every response needs it)."""
    hostname = urlsplit(f"//{host}").hostname or "127.0.0.1"
    if ":" in hostname:
        hostname = f"[{hostname}]"
    origin = f"{scheme}://{hostname}:{port}"
    return policy.replace("connect-src 'self'", f"connect-src 'self' {origin}", 1)
