"""Ma famille (parents): the family file as the service knows it, read-only, each part with the "Modifier" link
that starts the matching démarche (blueprints/procedures). Always scoped to the logged-in family."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("dossier", __name__)
bp.before_request(require_parent)

from blueprints.dossier import views  # noqa: E402,F401  (registers the routes on bp)
