"""Back office ("Gestion"): agents only. Routes over the domains' services and rules."""

from flask import Blueprint
from flask_login import current_user

from blueprints import roles
from blueprints.access import require_agent_role

bp = Blueprint("backoffice", __name__, url_prefix="/gestion")


bp.before_request(require_agent_role)


@bp.app_context_processor
def role_helpers():
    """`may_open('backoffice.x')` in templates: a link is shown only to who may follow it."""
    return {"may_open": lambda endpoint: roles.may(current_user, endpoint)}


from blueprints.backoffice import (  # noqa: E402,F401  (routes on bp)
    absences,
    account_requests,
    activities,
    agenda,
    agents,
    audit,
    content,
    document_types,
    documents,
    dossier_keys,
    families,
    family_edit,
    family_enrollments,
    health,
    history,
    menus,
    message_settings,
    messages,
    news,
    occupancy,
    outbox,
    pages,
    payments,
    procedure_types,
    requests,
    statistics,
)
