"""Import of families from the old software (CSV) and invitations of every family without an account: agents only."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("imports", __name__, url_prefix="/gestion/import")


@bp.before_request
@login_required
def require_agent():
    """Importing families is for agents (and administrators) only."""
    if not current_user.is_agent:
        abort(403)


from blueprints.imports import views  # noqa: E402,F401  (routes on bp)
