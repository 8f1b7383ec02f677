"""Live chat and lifetime support: /support/ (the chat without JavaScript), the chat JSON API
and its event streams. The staff side lives in shop/admin/views/chat.py."""

from flask import Blueprint, Flask

bp = Blueprint("support", __name__)
api_bp = Blueprint("chat_api", __name__)

from shop.chat import api, views  # noqa: E402,F401  (views register on the blueprints)


def init_app(app: Flask) -> None:
    """Settings, the /support/ pages and the chat API (CSRF-exempt: JSON only, no forms)."""
    from shop.chat import settings
    from shop.extensions import csrf

    settings.init_app(app)
    from shop.domain.conversation import render_body

    app.jinja_env.filters["chat_body"] = render_body
    app.jinja_env.globals["chat_stream_port"] = app.config["CHAT_STREAM_PORT"]
    if app.config["CHAT_STREAM_PORT"]:
        app.after_request(_connect_to_stream_port)
    app.register_blueprint(bp, url_prefix="/support")
    app.register_blueprint(api_bp, url_prefix="/api/v1/chat")
    csrf.exempt(api_bp)


def _connect_to_stream_port(response):
    """make run: pages may open streams on the stream service's port of their own host."""
    from urllib.parse import urlsplit

    from flask import current_app, request

    from shop.security import CSP

    host = urlsplit(request.host_url).hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    origin = f"{request.scheme}://{host}:{current_app.config['CHAT_STREAM_PORT']}"
    policy = response.headers.get("Content-Security-Policy", CSP)
    response.headers["Content-Security-Policy"] = policy.replace(
        "connect-src 'self'", f"connect-src 'self' {origin}", 1
    )
    return response
