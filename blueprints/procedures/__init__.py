"""Démarches (parents): the catalogue, a démarche step by step (drafts saved at each step), the recap with the
attestation, the confirmation with its number, "Mes demandes" and each request's page. The engine: rules.py (pure),
kinds.py (the registry of steps), forms.py, record.py (what it reads from and writes to the family file),
service.py (every write), wording.py. The agents' queue is in blueprints/backoffice/requests.py."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("procedures", __name__)
bp.before_request(require_parent)

from blueprints.procedures import tracking, views  # noqa: E402,F401  (registers the routes on bp)


@bp.app_template_global("status_name")
def status_name(status: str) -> str:
    """A request's status in words ("Déposée", "À compléter"), for every template (families' and agents')."""
    from blueprints.procedures.wording import status_text

    return status_text(status)


@bp.app_context_processor
def record_words():
    """Words the family-file templates share (families' and agents' pages)."""
    from blueprints.procedures.wording import AUTHORISATIONS, SITUATIONS

    return {"authorisation_labels": AUTHORISATIONS,
            "situation_name": lambda code: str(SITUATIONS.get(code, code))}
