"""The bare ceiling: the ceiling's 24-item Jinja grid in a Flask app of its own.

No extensions, no middleware, no hooks, no session: what Flask, Jinja and gunicorn alone can
serve on this machine. `make bench` runs it in its own gunicorn (same worker count and class
as the shop's) and holds every target's goal against it.
"""

from pathlib import Path

from flask import Flask, render_template

from bench.ceiling import ITEMS

TEMPLATES = Path(__file__).resolve().parent / "templates"


def create_app() -> Flask:
    """A Flask app serving only the ceiling page, at the same path as in the shop."""
    app = Flask(__name__, template_folder=str(TEMPLATES))

    @app.get("/__bench__/ceiling")
    def ceiling():
        return render_template("bench/ceiling.html", items=ITEMS)

    return app
