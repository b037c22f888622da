"""Supporting documents (pièces justificatives), served only to their family and to agents."""

from flask import Blueprint

bp = Blueprint("documents", __name__)

from blueprints.documents import views  # noqa: E402,F401  (registers the routes on bp)
