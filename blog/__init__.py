"""The shop's blog, mounted at /blog/."""

from flask import Blueprint

bp = Blueprint("blog", __name__)

from blog import views  # noqa: E402,F401  (views register on bp)
