"""The family planning: every child of the family, by week or by month, read-only."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("planning", __name__)
bp.before_request(require_parent)

from blueprints.planning import views  # noqa: E402,F401  (registers the routes on bp)
