"""Supporting documents (pièces justificatives): served only to their family and to agents (views.py), the
family's space "Mes pièces justificatives" (family.py); rules.py, service.py, wording.py, forms.py for the domain."""

from flask import Blueprint

bp = Blueprint("documents", __name__)

from blueprints.documents import family, views  # noqa: E402,F401  (registers the routes on bp)
