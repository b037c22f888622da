"""RGPD, for a family: « Mes données », everything the portal keeps about the family, to download (JSON, and a
readable PDF made with WeasyPrint). Always scoped to the logged-in family; secrets (password hashes, tokens) never
leave the database."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("rgpd", __name__)
bp.before_request(require_parent)

from blueprints.rgpd import views  # noqa: E402,F401  (registers the routes on bp)
