"""Back office: certificates awaiting validation ("Justificatifs à valider"), oldest first, and one absence's review:
validate it (its bookings become "absence justifiée") or refuse it with a reason the family receives by e-mail.

Routes only: the writes are absences/service.py's, the e-mail leaves after the commit (blueprints/notify.py).
Documents are served by blueprints/documents (agents' reads are logged there).
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

import clock
import mail
from blueprints.absences import service as absences
from blueprints.absences import wording
from blueprints.absences.forms import RefusalForm
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.notify import mail_family
from blueprints.reservations.wording import format_moment, format_until, slot_day
from models import Absence, Document, Family, Person, Reservation, Unit, User, db

MAX_LISTED = 200


def get_absence_or_404(absence_id: int) -> Absence:
    absence = db.session.execute(
        select(Absence).where(Absence.id == absence_id).options(joinedload(Absence.document))
    ).scalar_one_or_none()
    if absence is None:
        abort(404)
    return absence


@bp.route("/justificatifs")
def certificates():
    """Justificatifs à valider: absences whose certificate awaits an agent, the oldest received first."""
    rows = db.session.execute(
        select(Absence, Person, Family, Document)
        .join(Person, Person.id == Absence.child_id).join(Family, Family.id == Person.family_id)
        .join(Document, Document.id == Absence.document_id)
        .where(Absence.status == "submitted").order_by(Document.uploaded_at, Absence.id).limit(MAX_LISTED)
    ).all()
    items = [{"absence": a, "child": child, "family": family, "document": document,
              "range": wording.range_text(a), "received": format_moment(document.uploaded_at)}
             for a, child, family, document in rows]
    return render("backoffice/absences.html", items=items, more=len(rows) == MAX_LISTED)


def _review_page(absence: Absence, refusal: RefusalForm):
    child = db.session.get(Person, absence.child_id)
    rows = db.session.execute(
        select(Reservation, Unit).join(Unit, Unit.id == Reservation.unit_id)
        .where(Reservation.absence_id == absence.id).order_by(Reservation.date, Unit.position, Unit.id)
    ).all()
    bookings = [(slot_day(unit, row.date), row.state) for row, unit in rows]
    reviewer = db.session.get(User, absence.reviewed_by_id) if absence.reviewed_by_id else None
    return render("backoffice/absence.html", absence=absence, child=child,
                  family=db.session.get(Family, child.family_id), range=wording.range_text(absence),
                  bookings=bookings, to_justify=sum(1 for _b, state in bookings if state == "absent"),
                  reviewer=reviewer, moment=format_moment, validate_form=EmptyForm(), refusal=refusal,
                  page_errors=bool(refusal.errors))


@bp.route("/justificatifs/<int:absence_id>")
def certificate(absence_id: int):
    """One absence's certificate: the child, the family, the dates, the document, the bookings it would justify,
    and the decision (validate, or refuse with a reason) while it awaits one."""
    return _review_page(get_absence_or_404(absence_id), RefusalForm())


def _already_reviewed(absence: Absence):
    flash(_("Ce justificatif a déjà été traité : rien n'a été modifié."), "info")
    return redirect(url_for(".certificate", absence_id=absence.id))


@bp.route("/justificatifs/<int:absence_id>/valider", methods=["POST"])
def validate_certificate(absence_id: int):
    """Valider: the absence's bookings marked absent become "absence justifiée" (audit: via agent)."""
    absence = get_absence_or_404(absence_id)
    if absence.status != "submitted":
        return _already_reviewed(absence)
    count = absences.validate(absence, clock.now(), current_user.id)
    db.session.commit()
    child = db.session.get(Person, absence.child_id)
    flash(_("Justificatif validé : l'absence de %(name)s %(range)s est justifiée.", name=child.full_name,
            range=wording.range_text(absence)) + " " + ngettext(
        "%(num)d réservation passe en « absence justifiée ».",
        "%(num)d réservations passent en « absence justifiée ».", count), "success")
    return redirect(url_for(".certificates"))


@bp.route("/justificatifs/<int:absence_id>/refuser", methods=["POST"])
def refuse_certificate(absence_id: int):
    """Refuser, with a reason (required): the family is e-mailed the reason and until when it may send another."""
    absence = get_absence_or_404(absence_id)
    if absence.status != "submitted":
        return _already_reviewed(absence)
    form = RefusalForm()
    if not form.validate_on_submit():
        return _review_page(absence, form)
    now = clock.now()
    absences.refuse(absence, form.refusal_reason.data, now, current_user.id)
    deadline = absences.deadline(absence, absences.window_hours([absence])[absence.id])
    db.session.commit()
    child = db.session.get(Person, absence.child_id)
    sent = mail_family(child.family_id, _("Justificatif refusé : absence de %(name)s", name=child.first_name),
                       "reservations/mail_certificate_refused", child=child, range=wording.range_text(absence),
                       reason=absence.refusal_reason, until=format_until(deadline),
                       link=mail.external_url("absences.index", child_id=child.id, _anchor=f"absence-{absence.id}"))
    message = _("Justificatif refusé : l'absence de %(name)s %(range)s reste à justifier.", name=child.full_name,
                range=wording.range_text(absence))
    if sent:
        flash(message + " " + _("La famille a reçu le motif par e-mail."), "success")
    else:
        flash(message + " " + _("Aucun e-mail n'a pu être envoyé : prévenez la famille par téléphone."), "error")
    return redirect(url_for(".certificates"))
