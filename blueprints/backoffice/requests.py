"""Back office: the requests queue ("Demandes"), filtered by démarche, status, school and date, with the count per
status; one request's page (answers, documents, the file now and before, side by side; history) and the agents'
actions: take it, accept it (its changes applied to the family file in one transaction), ask for a complement,
refuse it. Each action is recorded in the request's history and e-mailed to the family (a link, no personal data).

Health démarches are need-to-know: without the right (User.can_see_health) their answers are not shown; each read
with it is logged. Routes only: writes are procedures/service.py's.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

import clock
import mail
from blueprints.backoffice import bp
from blueprints.backoffice.request_forms import AcceptForm, AskForm, QueueFilters, RefuseForm
from blueprints.families import health as health_service
from blueprints.forms import EmptyForm, flat_errors
from blueprints.htmx import is_partial, render
from blueprints.notify import mail_family
from blueprints.procedures import display, record, rules, service, wording
from models import PROCEDURE_STATUSES, ProcedureRequest, School, db

SHOWN = 200


def get_request_or_404(request_id: int) -> ProcedureRequest:
    """A request agents may see: any family's, never a draft (the family's own work until sent)."""
    found = db.session.get(ProcedureRequest, request_id)
    if found is None or found.status == rules.DRAFT:
        abort(404)
    return found


@bp.route("/demandes")
def requests_queue():
    """Demandes des familles: counts per status, filters, the list (an htmx-refreshable block of the same page)."""
    filters = QueueFilters(request.args)
    filters.demarche.choices = [SelectChoice("", _("Toutes"))] + [SelectChoice(str(t.id), t.title)
                                                                 for t in service.all_types()]
    filters.statut.choices = [SelectChoice("", _("Tous (sauf brouillons)"))] + [
        SelectChoice(s, wording.status_text(s)) for s in PROCEDURE_STATUSES if s != rules.DRAFT]
    filters.ecole.choices = [SelectChoice("", _("Toutes"))] + [SelectChoice(str(s.id), s.name) for s in db.session.
                                                              execute(select(School).order_by(School.name)).scalars()]
    filters.validate()
    rows = service.queue(type_id=filters.demarche.data if not filters.demarche.errors else None,
                         status=filters.statut.data or "" if not filters.statut.errors else "",
                         school_id=filters.ecole.data if not filters.ecole.errors else None,
                         start=filters.du.data, end=filters.au.data if not filters.au.errors else None, limit=SHOWN)
    counts = service.counts_by_status()
    errors = flat_errors(filters)
    return render("backoffice/requests.html", block="results", filters=filters, rows=rows, more=len(rows) == SHOWN,
                  counts=[(s, counts.get(s, 0)) for s in PROCEDURE_STATUSES if s != rules.DRAFT],
                  errors=errors, page_errors=bool(errors), partial=is_partial())


def request_page(req: ProcedureRequest, accept=None, ask=None, refuse=None, extra=()):
    """The request's page. Health answers only for agents with the right, and their read is logged (committed)."""
    health = display.is_health(req)
    allowed = not health or health_service.may_see_health(current_user)
    if health and allowed and req.person is not None:
        health_service.log_access(current_user, req.person, _("demande n° %(number)s", number=req.number),
                                  clock.now())
        db.session.commit()
    current = record.current_values(req.type.kind, req.family, req.person)
    forms = {"accept": accept or AcceptForm(prefix="accepter"), "ask": ask or AskForm(prefix="completer"),
             "refuse": refuse or RefuseForm(prefix="refuser")}
    errors = [e for f in forms.values() for e in flat_errors(f)] + list(extra)
    return render("backoffice/request.html", req=req, allowed=allowed, health=health,
                  blocks=display.rows(req, service.steps(req), current) if allowed else [],
                  conflicts=service.conflicts_now(req) if req.status in rules.OPEN else [],
                  actions=rules.allowed_actions(req.status, "agent"), take_form=EmptyForm(), errors=errors,
                  page_errors=bool(errors), names=record.period_names([]), **forms)


@bp.route("/demandes/<int:request_id>")
def request_detail(request_id: int):
    return request_page(get_request_or_404(request_id))


def notify(req: ProcedureRequest, sentence: str) -> bool:
    sent = mail_family(req.family_id, _("Demande n° %(number)s : %(status)s", number=req.number,
                                        status=wording.status_text(req.status).lower()),
                       "procedures/mail_update", sentence=sentence,
                       link=mail.external_url("procedures.detail", request_id=req.id))
    return bool(sent)


def done(req: ProcedureRequest, message: str, sentence: str):
    if notify(req, sentence):
        flash(message + " " + _("La famille est prévenue par e-mail."), "success")
    else:
        flash(message + " " + _("Aucun e-mail n'a pu être envoyé : prévenez la famille par téléphone."), "error")
    return redirect(url_for(".request_detail", request_id=req.id))


def refused(req: ProcedureRequest, code: str):
    db.session.rollback()
    flash(wording.REFUSED[code], "info" if code == "changed" else "error")
    return redirect(url_for(".request_detail", request_id=req.id))


@bp.route("/demandes/<int:request_id>/prendre", methods=["POST"])
def request_take(request_id: int):
    """Je m'en occupe: assigned to me, "en cours"."""
    req = get_request_or_404(request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.take(req, current_user.id, clock.now())
    except service.Refused as refusal:
        return refused(req, refusal.code)
    db.session.commit()
    flash(_("Demande n° %(number)s : vous vous en occupez.", number=req.number), "success")
    return redirect(url_for(".request_detail", request_id=req.id))


@bp.route("/demandes/<int:request_id>/accepter", methods=["POST"])
def request_accept(request_id: int):
    """Accepter: every change applied to the family file, or none (file changed meanwhile, a part impossible)."""
    req = get_request_or_404(request_id)
    if display.is_health(req) and not health_service.may_see_health(current_user):
        abort(403)  # the page offers no "Accepter" without the right to read the answers: a forged post neither
    form = AcceptForm(prefix="accepter")
    if not form.validate_on_submit():
        return request_page(req, accept=form)
    try:
        service.accept(req, current_user.id, clock.now(), form.message.data or "")
        db.session.commit()
    except service.Refused as refusal:
        db.session.rollback()
        if refusal.code != "conflict":
            return refused(req, refusal.code)
        req = get_request_or_404(request_id)
        return request_page(req, extra=[(None, wording.conflict_text(refusal.conflicts) + " " + _(
            "Rien n'a été modifié. Demandez un complément à la famille, ou refusez la demande."))])
    except record.ApplyError as error:
        db.session.rollback()
        return request_page(get_request_or_404(request_id), extra=[(None, str(wording.APPLY[error.code]))])
    except StaleDataError:
        return refused(req, "stale")
    return done(req, _("Demande n° %(number)s acceptée : le dossier de la famille est mis à jour.",
                       number=req.number),
                _("Votre demande n° %(number)s a été acceptée : votre dossier est à jour.", number=req.number))


@bp.route("/demandes/<int:request_id>/completer", methods=["POST"])
def request_ask(request_id: int):
    """Demander un complément: back to the family with the agent's message."""
    req = get_request_or_404(request_id)
    form = AskForm(prefix="completer")
    if not form.validate_on_submit():
        return request_page(req, ask=form)
    try:
        service.ask_completion(req, current_user.id, form.message.data, clock.now())
    except service.Refused as refusal:
        return refused(req, refusal.code)
    db.session.commit()
    return done(req, _("Demande n° %(number)s renvoyée à la famille pour complément.", number=req.number),
                _("Le service Enfance a besoin d'un complément pour votre demande n° %(number)s.", number=req.number))


@bp.route("/demandes/<int:request_id>/refuser", methods=["POST"])
def request_refuse(request_id: int):
    """Refuser, with the reason the family reads on the portal (not in the e-mail)."""
    req = get_request_or_404(request_id)
    form = RefuseForm(prefix="refuser")
    if not form.validate_on_submit():
        return request_page(req, refuse=form)
    try:
        service.refuse(req, current_user.id, form.message.data, clock.now())
    except service.Refused as refusal:
        return refused(req, refusal.code)
    db.session.commit()
    return done(req, _("Demande n° %(number)s refusée.", number=req.number),
                _("Votre demande n° %(number)s a été refusée. Le motif est sur le portail.", number=req.number))
