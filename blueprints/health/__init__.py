"""Health check for monitoring: GET /sante (database and Redis reachable; no personal data)."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from blueprints.health import views  # noqa: E402,F401  (registers the routes on bp)
