"""Absences: signal a child's absence, send its certificate (routes); service.py applies them to reservations."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("absences", __name__)
bp.before_request(require_parent)

from blueprints.absences import views  # noqa: E402,F401  (registers the routes on bp)
