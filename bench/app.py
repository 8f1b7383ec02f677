"""The WSGI app the benchmark serves: the shop as `make run` builds it, plus the ceiling page."""

from flask import Flask

from shop import create_app as create_shop


def create_app() -> Flask:
    """The shop, with the bench-only ceiling blueprint."""
    from bench.ceiling import bp

    app = create_shop()
    app.register_blueprint(bp)
    return app
