"""The ceiling: a minimal Flask page rendering a 24-item Jinja grid.

Registered only by the benchmark's app (bench/app.py), never by shop.create_app: it measures
what Flask, Jinja and gunicorn can do on this machine, on the same server as the shop's pages.
"""

from flask import Blueprint, render_template

bp = Blueprint("bench", __name__, template_folder="templates")

ITEMS = [
    {"name": f"Item {n}", "price": f"£{n}.50", "url": f"/items/{n}"} for n in range(1, 25)
]


@bp.get("/__bench__/ceiling")
def ceiling():
    """24 items in a grid, from a list built at import."""
    return render_template("bench/ceiling.html", items=ITEMS)
