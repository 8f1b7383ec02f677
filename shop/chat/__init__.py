"""Live chat and lifetime support: /support/ (the chat without JavaScript), the chat JSON API
and its event streams, and the staff's chat API. The inbox lives in shop/admin/views/chat.py."""

from flask import Blueprint, Flask

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
    app.register_blueprint(bp, url_prefix="/support")
    app.register_blueprint(api_bp, url_prefix="/api/v1/chat")
    app.register_blueprint(admin_api_bp, url_prefix="/api/v1/admin/chat")
    csrf.exempt(api_bp)
    csrf.exempt(admin_api_bp)

