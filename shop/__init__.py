"""The kefir shop: a Flask storefront built only through create_app()."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from shop import config as settings

ROOT = settings.ROOT


class ShopFlask(Flask):
    """Flask, answering `ensure_sync` once per function.

    Flask asks it of every hook and view on every request (16 a page), and each answer
    inspects the function for a coroutine; the shop's hooks and views never change after
    start-up, so the answer is kept (`ensure_sync` is Flask's documented override point).
    """

    _SYNC_LIMIT = 1024  # a bound, in case something registers functions per request

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            return self._sync[func]
        except KeyError:
            answer = self._sync[func] = super().ensure_sync(func)
            if len(self._sync) > self._SYNC_LIMIT:
                self._sync.clear()
            return answer
        except TypeError:  # unhashable
            return super().ensure_sync(func)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI and error handlers."""
    app = ShopFlask(
        __name__,
        instance_path=str(settings.INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(Path(app.instance_path)))
    app.config.update(config or {})
    _finish_config(app)

    from shop import assets, cache, errors, http_cache, observability, payments, security, web
    from shop.extensions import csrf, db, init_csrf, init_limiter, migrate, ping_idle_connections

    # Request ids, logs and metrics first: their hooks wrap everything registered after them.
    observability.init_app(app)
    db.init_app(app)
    if not app.config["DATABASE_URL"].startswith("sqlite"):  # a file has no server to lose
        with app.app_context():
            ping_idle_connections(db.engine, app.config["DATABASE_PING_AFTER_IDLE"])
    cache.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    init_csrf(app)
    init_limiter(app)
    security.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    payments.init_app(app)
    assets.init_app(app)
    http_cache.init_app(app)

    from blog import bp as blog_bp
    from shop.api import bp as api_bp
    from shop.basket import bp as basket_bp
    from shop.catalogue import bp as catalogue_bp
    from shop.checkout import bp as checkout_bp
    from shop.health import bp as health_bp
    from shop.pages import bp as pages_bp
    from shop.seo import bp as seo_bp

    app.register_blueprint(catalogue_bp)
    app.register_blueprint(basket_bp)
    app.register_blueprint(blog_bp, url_prefix="/blog")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(health_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(seo_bp)
    app.register_blueprint(pages_bp)
    csrf.exempt(api_bp)

    from shop import admin

    admin.init_app(app)  # Flask-Login, product image serving and the /admin blueprint

    from shop import chat

    chat.init_app(app)  # live chat: /support/, the chat API and its streams

    from shop import accounts

    accounts.init_app(app)  # customer accounts: /account/, the account API, the header's name

    from shop import cli

    cli.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    """Derive settings that depend on others, once, at start-up."""
    from shop import production
    from shop.clock import SystemClock
    from shop.domain.chat import ChatHours
    from shop.domain.company import Address, Company
    from shop.domain.delivery import DeliveryRule, parse_cutoff

    if app.config["SHOP_ENV"] == "production":
        production.check(app.config)  # names every missing setting at once
    if not app.config["SECRET_KEY"]:
        if app.config["SHOP_ENV"] == "production":
            raise RuntimeError("SECRET_KEY must be set when SHOP_ENV=production")
        app.config["SECRET_KEY"] = settings.dev_secret_key(Path(app.instance_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("CLOCK", SystemClock())
    app.config["CHAT"] = ChatHours.parse(app.config.get("CHAT_HOURS", "08:00-20:00"))
    app.config["DELIVERY_RULE"] = DeliveryRule(
        fee_pence=int(app.config["DELIVERY_FEE_PENCE"]),
        free_over_pence=int(app.config["FREE_DELIVERY_OVER_PENCE"]),
    )
    app.config["DISPATCH_CUTOFF_TIME"] = parse_cutoff(app.config["DISPATCH_CUTOFF"])
    app.config["COMPANY"] = Company(
        name=app.config["SHOP_NAME"],
        legal_name=app.config["SHOP_COMPANY_NAME"],
        number=app.config["SHOP_COMPANY_NUMBER"],
        registered_in=app.config["SHOP_REGISTERED_IN"],
        address=Address.parse(app.config["SHOP_ADDRESS"]),
        email=app.config["SHOP_EMAIL"],
        phone=app.config["SHOP_PHONE"],
        vat_number=app.config["SHOP_VAT_NUMBER"],
    )
    # Without Redis, limits are counted in each process (SweptMemoryStorage).
    app.config.setdefault("RATELIMIT_STORAGE_URI",
                          app.config.get("REDIS_URL") or "shop-memory://")
    production.init_app(app)  # before ProxyFix, so that it sees the Host ProxyFix restores
    if app.config["TRUSTED_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind N proxies (a load balancer), the client's address is in X-Forwarded-For;
        # rate limits and logs need it rather than the proxy's.
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
