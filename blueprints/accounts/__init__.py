"""Accounts a family opens or manages itself: registration with a dossier key ("clé enfance"), "Mon espace"
(e-mail, password, recent logins, notification preferences)."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from blueprints.accounts import access, asking, franceconnect, signup, space  # noqa: E402,F401  (routes on bp)


@bp.app_context_processor
def franceconnect_button():
    """Templates ask `franceconnect_enabled()` (the login page, "Mon espace")."""
    return {"franceconnect_enabled": franceconnect.enabled}
