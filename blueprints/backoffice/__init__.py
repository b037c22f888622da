"""Back office ("Gestion"): agents only. Routes over the domains' services and rules."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("backoffice", __name__, url_prefix="/gestion")


@bp.before_request
@login_required
def require_agent():
    """Every back-office page is for agents (and admins) only."""
    if not current_user.is_agent:
        abort(403)


from blueprints.backoffice import (  # noqa: E402,F401  (routes on bp)
    absences,
    activities,
    agenda,
    document_types,
    documents,
    families,
    family_edit,
    family_enrollments,
    health,
    history,
    occupancy,
    outbox,
    payments,
    procedure_types,
    requests,
)
