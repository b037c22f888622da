"""Mes documents (parents): the documents the family prints from the portal. The attestation de présence of a child
for a month, a school year or a civil year, and the fiche famille, each as a page and as a tagged PDF (WeasyPrint,
PDF/UA-1); links to the attestations fiscales (blueprints/payments) and the family's other papers. Always scoped to
the logged-in family."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("mydocuments", __name__)
bp.before_request(require_parent)

from blueprints.mydocuments import views  # noqa: E402,F401  (registers the routes on bp)
