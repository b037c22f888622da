"""Absences: signal a child's absence over a date range, then justify it with a certificate (routes and words).

Signalling cancels the reservations that can still be cancelled and marks the later ones "absence signalée"; a
certificate sent within the window turns those into "absence justifiée" (not billed). The writes are
absences/service.py's.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

import clock
from blueprints import uploads
from blueprints.absences import bp
from blueprints.absences import service as absences
from blueprints.absences.forms import AbsenceForm, JustificationForm
from blueprints.access import get_child_or_404
from blueprints.htmx import render
from blueprints.notify import notify_promoted
from blueprints.reservations import service
from blueprints.reservations.wording import format_date, format_moment, format_until
from models import Absence, Document, Person, db


def get_absence_or_404(child: Person, absence_id: int) -> Absence:
    """The absence `absence_id` of `child` (already scoped to the family), or 404."""
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.child_id != child.id:
        abort(404)
    return absence


# --------------------------------------------------------------------------- words


def range_text(absence: Absence) -> str:
    """ "du jeudi 19 novembre au dimanche 22 novembre", or "le jeudi 19 novembre" for one day."""
    if absence.start_date == absence.end_date:
        return _("le %(day)s", day=format_date(absence.start_date))
    return _("du %(start)s au %(end)s", start=format_date(absence.start_date),
             end=format_date(absence.end_date))


def state_text(absence: Absence, deadline: dt.datetime, now: dt.datetime) -> str:
    """Where the absence stands, in words."""
    if absence.justified_at is not None:
        return _("Justifiée le %(when)s", when=format_moment(absence.justified_at))
    if now < deadline:
        return _("À justifier jusqu'au %(when)s", when=format_until(deadline))
    return _("Délai de justification dépassé (il a pris fin le %(when)s)", when=format_until(deadline))


def closed_text(absence: Absence, deadline: dt.datetime) -> str:
    """Why no certificate can be sent for this absence any more."""
    if absence.justified_at is not None:
        return _("Cette absence est déjà justifiée : le justificatif a été reçu le %(when)s.",
                 when=format_moment(absence.justified_at))
    return _("Le délai pour justifier cette absence est dépassé depuis le %(when)s. Si vous avez un justificatif, "
             "contactez le service Enfance.", when=format_moment(deadline))


def result_text(absence: Absence, result: absences.AbsenceResult, deadline: dt.datetime) -> str:
    """What the absence did, in words (flashed after the redirect)."""
    parts = [_("Absence enregistrée %(range)s.", range=range_text(absence))]
    if not (result.cancelled or result.absent or result.unwaited):
        parts.append(_("Aucune réservation n'était prévue sur ces dates."))
    if result.cancelled:
        parts.append(ngettext("%(num)d réservation annulée.", "%(num)d réservations annulées.", result.cancelled))
    if result.unwaited:
        parts.append(ngettext("%(num)d demande retirée de la liste d'attente.",
                              "%(num)d demandes retirées de la liste d'attente.", result.unwaited))
    if result.absent:
        parts.append(ngettext(
            "%(num)d réservation ne pouvait plus être annulée : elle passe en « absence signalée ».",
            "%(num)d réservations ne pouvaient plus être annulées : elles passent en « absence signalée ».",
            result.absent))
        parts.append(ngettext(
            "Envoyez un justificatif jusqu'au %(when)s pour qu'elle ne soit pas facturée.",
            "Envoyez un justificatif jusqu'au %(when)s pour qu'elles ne soient pas facturées.",
            result.absent, when=format_until(deadline)))
    return " ".join(parts)


# --------------------------------------------------------------------------- views


def _list_page(child: Person, form: AbsenceForm):
    now = clock.now()
    rows = db.session.execute(
        select(Absence).where(Absence.child_id == child.id).order_by(Absence.start_date.desc(), Absence.id.desc())
    ).scalars().all()
    hours, kept = absences.window_hours(rows), absences.kept_counts(rows)
    items = []
    for absence in rows:
        deadline = absences.deadline(absence, hours[absence.id])
        to_justify = absence.justified_at is None and bool(kept.get(absence.id))
        state = state_text(absence, deadline, now) if to_justify or absence.justified_at else _(
            "Rien à justifier : aucune réservation n'est restée facturable sur ces dates")
        items.append({"absence": absence, "range": range_text(absence), "state": state,
                      "can_justify": to_justify and now < deadline})
    return render("reservations/absences.html", child=child, form=form, items=items,
                  hours=absences.commune_window())


@bp.route("/enfants/<int:child_id>/absences")
def index(child_id: int):
    """Absences de <enfant>: the form "Signaler une absence" and the absences already signalled, with their state."""
    child = get_child_or_404(child_id)
    return _list_page(child, AbsenceForm(today=clock.today()))


@bp.route("/enfants/<int:child_id>/absences", methods=["POST"])
def create(child_id: int):
    """Signal an absence: one transaction (the absence, the cancellations, the "absence signalée" states), then
    PRG with a sentence that says what happened. Errors come back next to the fields, nothing saved."""
    child = get_child_or_404(child_id)
    form = AbsenceForm(today=clock.today())
    if not form.validate_on_submit():
        return _list_page(child, form)
    now = clock.now()
    absence = Absence(child_id=child.id, start_date=form.start_date.data, end_date=form.end_date.data,
                      reason=(form.reason.data or "").strip()[:300], created_at=now, created_by_id=current_user.id)
    agenda = service.load_agenda(child, absence.start_date, absence.end_date)
    result = absences.signal(agenda, absence, now, current_user.id)
    hours = absences.window_hours([absence])[absence.id]
    db.session.commit()
    notify_promoted(result.outcomes)
    flash(result_text(absence, result, absences.deadline(absence, hours)), "success")
    return redirect(url_for(".index", child_id=child.id))


@bp.route("/enfants/<int:child_id>/absences/<int:absence_id>/justificatif", methods=["GET", "POST"])
def justification(child_id: int, absence_id: int):
    """Send the certificate of an absence (PDF, JPEG or PNG, checked by content) within the commune's window."""
    child = get_child_or_404(child_id)
    absence = get_absence_or_404(child, absence_id)
    now = clock.now()
    agenda = service.load_agenda(child, absence.start_date, absence.end_date)
    deadline = absences.deadline(absence, absences.window_hours([absence])[absence.id])
    form = JustificationForm()
    page = {"child": child, "absence": absence, "range": range_text(absence), "deadline": deadline,
            "state": state_text(absence, deadline, now), "form": form}
    if absence.justified_at is not None or now >= deadline:
        return render("reservations/justify.html", closed=closed_text(absence, deadline),
                      page_errors=form.is_submitted(), **page)
    if not form.validate_on_submit():
        return render("reservations/justify.html", closed=None, **page)
    count = save_justification(agenda, absence, form, now)
    flash(_("Justificatif reçu : l'absence %(range)s est justifiée.", range=range_text(absence)) + " " + ngettext(
        "%(num)d réservation passe en « absence justifiée ».", "%(num)d réservations passent en « absence justifiée ».",
        count), "success")
    return redirect(url_for(".index", child_id=child.id))


def save_justification(agenda: service.ChildAgenda, absence: Absence, form: JustificationForm,
                       now: dt.datetime) -> int:
    """Store the file, then record it and justify the absence in one transaction (the file is removed again if the
    database write fails)."""
    stored_name = uploads.store(form.content, form.content_type)
    document = Document(
        family_id=current_user.family_id, child_id=absence.child_id, kind="justificatif_absence",
        original_name=uploads.clean_filename(form.certificate.data.filename, form.content_type),
        stored_name=stored_name, content_type=form.content_type, size=len(form.content), uploaded_at=now,
        uploaded_by_id=current_user.id)
    try:
        count = absences.attach_certificate(agenda, absence, document, now, current_user.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored_name)
        raise
    return count
