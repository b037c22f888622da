"""Back office ("Gestion"): agents only. Routes over the domains' services and rules."""

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required

from blueprints.backoffice import roles

bp = Blueprint("backoffice", __name__, url_prefix="/gestion")


@bp.before_request
@login_required
def require_agent():
    """Every back-office page is for agents (and admins) only, and each page for the roles roles.ACCESS names.
    An agent who must use two-factor authentication and has not set it up yet is sent to do it first."""
    if not current_user.is_agent:
        abort(403)
    if (current_app.config["TWO_FACTOR_REQUIRED"] and current_user.totp_enabled_at is None
            and roles.two_factor_required(current_user)):
        return redirect(url_for("twofactor.enrol"))
    if not roles.allowed(roles.role_of(current_user), request.endpoint):
        abort(403)


@bp.app_context_processor
def role_helpers():
    """`may_open('backoffice.x')` in templates: a link is shown only to who may follow it."""
    return {"may_open": lambda endpoint: roles.may(current_user, endpoint)}


from blueprints.backoffice import (  # noqa: E402,F401  (routes on bp)
    absences,
    activities,
    agenda,
    agents,
    audit,
    document_types,
    documents,
    families,
    family_edit,
    family_enrollments,
    health,
    history,
    occupancy,
    outbox,
    procedure_types,
    requests,
    statistics,
)
