"""Mes demandes: the family's requests with filters (status, démarche, year), each request's page (answers, where
it stands and its history, the service's messages, "Compléter" when it is asked for), and deleting a draft."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from blueprints.access import current_family
from blueprints.forms import EmptyForm
from blueprints.htmx import is_partial, render
from blueprints.languages.formats import commune_text
from blueprints.procedures import bp, display, rules, service, wording
from blueprints.procedures.views import get_request_or_404, resume_url
from models import PROCEDURE_STATUSES, db


def _int(raw) -> int | None:
    return int(raw) if str(raw or "").isdigit() and len(str(raw)) < 10 else None


@bp.route("/demandes")
def index():
    """Mes demandes, the newest first, drafts on top; filters read from the address (a bookmarkable page)."""
    family = current_family()
    status = request.args.get("statut", "")
    status = status if status in PROCEDURE_STATUSES else ""
    type_id, year = _int(request.args.get("demarche")), _int(request.args.get("annee"))
    rows = service.family_requests(family.id, status=status, type_id=type_id, year=year)
    return render("procedures/requests.html", block="results", requests=rows, chosen_status=status, type_id=type_id,
                  year=year, types=service.all_types(), years=service.family_years(family.id),
                  statuses=PROCEDURE_STATUSES, partial=is_partial(),
                  filtered=bool(status or type_id or year))


@bp.route("/demandes/<int:request_id>")
def detail(request_id: int):
    """One request: its number and status in words, the history with the service's messages, the answers."""
    req = get_request_or_404(request_id)
    events = [e for e in req.events if e.visible]
    return render("procedures/request.html", req=req, events=events, blocks=display.rows(req, service.steps(req)),
                  resume=resume_url(req) if req.status in rules.EDITABLE else None,
                  message=next((e.message for e in reversed(events) if e.status_to == rules.INCOMPLETE), ""),
                  help=wording.STATUS_HELP.get(req.status, ""))


@bp.route("/demandes/<int:request_id>/supprimer", methods=["GET", "POST"])
def delete(request_id: int):
    """Supprimer un brouillon (asks first). A request already sent is never deleted: it is said so."""
    req = get_request_or_404(request_id)
    form = EmptyForm()
    if req.status != rules.DRAFT:
        flash(wording.REFUSED["not_draft"], "info")
        return redirect(url_for(".detail", request_id=req.id))
    if form.validate_on_submit():
        title = commune_text(req.type.title)
        service.delete_draft(req)
        db.session.commit()
        flash(_("Brouillon supprimé : « %(title)s ». Rien n'a été envoyé.", title=title), "success")
        return redirect(url_for(".index"))
    return render("procedures/delete.html", req=req, form=form)
