"""Public pages: home, accessibility statement, legal notice, site map, contact."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from blueprints.public import views  # noqa: E402,F401  (registers the routes on bp)
