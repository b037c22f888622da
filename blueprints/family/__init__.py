"""The parent's space: "Mon accueil" and each child's page, always scoped to the logged-in family."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("family", __name__)
bp.before_request(require_parent)

from blueprints.family import views  # noqa: E402,F401  (registers the routes on bp)
