"""Import of families from the old software (CSV) and invitations of every family without an account: agents only."""

from flask import Blueprint

from blueprints.access import require_agent_role

bp = Blueprint("imports", __name__, url_prefix="/gestion/import")


bp.before_request(require_agent_role)  # agents only, by role (blueprints/roles.py)

from blueprints.imports import views  # noqa: E402,F401  (routes on bp)
