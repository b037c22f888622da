"""Absences: signal a child's absence over a date range, then justify it with a certificate.

Signalling cancels the reservations that can still be cancelled (through service.apply_change: same rules, same
capacity lock, same waiting-list promotion and audit trail as the agenda) and marks the later ones "absence
signalée". A certificate sent within the commune's window turns those into "absence justifiée" (not billed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

import clock
from blueprints.family import uploads
from blueprints.family.access import get_child_or_404, require_parent
from blueprints.htmx import render
from blueprints.reservations import rules, service
from blueprints.reservations.absence_forms import AbsenceForm, JustificationForm
from blueprints.reservations.agenda import local_today, notify_promoted
from models import Absence, Document, Person, Reservation, Unit, db

bp = Blueprint("absences", __name__)

REASON = "Absence signalée"
JUSTIFIED = "Absence justifiée (justificatif envoyé)"


bp.before_request(require_parent)


def get_absence_or_404(child: Person, absence_id: int) -> Absence:
    """The absence `absence_id` of `child` (already scoped to the family), or 404."""
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.child_id != child.id:
        abort(404)
    return absence


# --------------------------------------------------------------------------- rules against the database


@dataclass
class AbsenceResult:
    """What signalling an absence did to the child's reservations."""

    cancelled: int = 0
    absent: int = 0
    unwaited: int = 0  # waiting-list entries removed
    outcomes: list[service.Outcome] = field(default_factory=list)  # cancellations (for promotion e-mails)


def _order(row: Reservation, unit: Unit):
    # A meal that needs a half-day is cancelled before that half-day (or the half-day would be refused).
    return row.date, not unit.required_unit_ids, unit.id


def apply_absence(agenda: service.ChildAgenda, absence: Absence, now: dt.datetime, actor_id: int) -> AbsenceResult:
    """Apply rules.absence_effect to every reservation of the child in the absence's range (flush, no commit)."""
    result = AbsenceResult()
    rows = service.child_reservations(absence.child_id, absence.start_date, absence.end_date).values()
    units = {r.unit_id: agenda.units.get(r.unit_id) or db.session.get(Unit, r.unit_id) for r in rows}
    for row in sorted(rows, key=lambda r: _order(r, units[r.unit_id])):
        unit, day, state = units[row.unit_id], row.date, row.state
        if state == "waiting":  # no place held: leave the queue, even on the day itself
            service.record(row.child_id, unit.id, day, "waiting", None, now, actor_id, "portal", REASON)
            db.session.delete(row)
            result.unwaited += 1
            continue
        locked = now >= agenda.cancel_deadline(unit, day)
        effect = rules.absence_effect(state, locked)
        if effect == "cancel":
            outcome = service.apply_change(agenda, unit, day, False, now, actor_id=actor_id, via="portal",
                                           reason=REASON)
            if outcome.decision.outcome == "cancelled":
                result.cancelled += 1
                result.outcomes.append(outcome)
                continue
            effect = "absent"  # refused at the last moment (deadline just passed, a meal still held): kept
        if effect == "absent":
            row.state, row.absence_id = "absent", absence.id
            service.record(row.child_id, unit.id, day, state, "absent", now, actor_id, "portal", REASON)
            result.absent += 1
    db.session.flush()
    return result


def justify(agenda: service.ChildAgenda, absence: Absence, now: dt.datetime, actor_id: int) -> int:
    """Turn the range's "absence signalée" reservations into "absence justifiée", each within its activity's
    window. Returns how many changed (flush, no commit)."""
    rows = db.session.execute(
        select(Reservation).where(Reservation.child_id == absence.child_id, Reservation.state == "absent",
                                  Reservation.date.between(absence.start_date, absence.end_date))
    ).scalars().all()
    count = 0
    for row in rows:
        if rules.can_justify(absence, service.justification_hours(agenda, row.unit.activity), now):
            row.state, row.absence_id = "justified", absence.id
            service.record(row.child_id, row.unit_id, row.date, "absent", "justified", now, actor_id, "portal",
                           JUSTIFIED)
            count += 1
    db.session.flush()
    return count


# --------------------------------------------------------------------------- words


def range_text(absence: Absence) -> str:
    """ "du jeudi 19 novembre au dimanche 22 novembre", or "le jeudi 19 novembre" for one day."""
    if absence.start_date == absence.end_date:
        return _("le %(day)s", day=rules.format_date(absence.start_date))
    return _("du %(start)s au %(end)s", start=rules.format_date(absence.start_date),
             end=rules.format_date(absence.end_date))


def state_text(absence: Absence, deadline: dt.datetime, now: dt.datetime) -> str:
    """Where the absence stands, in words."""
    if absence.justified_at is not None:
        return _("Justifiée le %(when)s", when=rules.format_deadline(absence.justified_at))
    if now < deadline:
        return _("À justifier avant le %(when)s", when=rules.format_deadline(deadline))
    return _("Délai de justification dépassé (il a pris fin le %(when)s)", when=rules.format_deadline(deadline))


def closed_text(absence: Absence, deadline: dt.datetime) -> str:
    """Why no certificate can be sent for this absence any more."""
    if absence.justified_at is not None:
        return _("Cette absence est déjà justifiée : le justificatif a été reçu le %(when)s.",
                 when=rules.format_deadline(absence.justified_at))
    return _("Le délai pour justifier cette absence est dépassé depuis le %(when)s. Si vous avez un justificatif, "
             "contactez le service Enfance.", when=rules.format_deadline(deadline))


def result_text(absence: Absence, result: AbsenceResult, deadline: dt.datetime) -> str:
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
            "Envoyez un justificatif avant le %(when)s pour qu'elle ne soit pas facturée.",
            "Envoyez un justificatif avant le %(when)s pour qu'elles ne soient pas facturées.",
            result.absent, when=rules.format_deadline(deadline)))
    return " ".join(parts)


# --------------------------------------------------------------------------- views


def _list_page(child: Person, form: AbsenceForm):
    now, today = clock.now(), local_today()
    hours = service.justification_hours(service.load_agenda(child, today, today))
    absences = db.session.execute(
        select(Absence).where(Absence.child_id == child.id).order_by(Absence.start_date.desc(), Absence.id.desc())
    ).scalars().all()
    kept = dict(db.session.execute(  # reservations each absence left to justify (absent or justified)
        select(Reservation.absence_id, func.count()).where(Reservation.absence_id.in_([a.id for a in absences]))
        .group_by(Reservation.absence_id)
    ).all()) if absences else {}
    items = []
    for absence in absences:
        deadline = rules.justification_deadline(absence.end_date, hours)
        to_justify = absence.justified_at is None and bool(kept.get(absence.id))
        state = state_text(absence, deadline, now) if to_justify or absence.justified_at else _(
            "Rien à justifier : aucune réservation n'est restée facturable sur ces dates")
        items.append({"absence": absence, "range": range_text(absence), "state": state,
                      "can_justify": to_justify and now < deadline})
    return render("reservations/absences.html", child=child, form=form, items=items, hours=hours)


@bp.route("/enfants/<int:child_id>/absences")
def index(child_id: int):
    """Absences de <enfant>: the form "Signaler une absence" and the absences already signalled, with their state."""
    child = get_child_or_404(child_id)
    return _list_page(child, AbsenceForm(today=local_today()))


@bp.route("/enfants/<int:child_id>/absences", methods=["POST"])
def create(child_id: int):
    """Signal an absence: one transaction (the absence, the cancellations, the "absence signalée" states), then
    PRG with a sentence that says what happened. Errors come back next to the fields, nothing saved."""
    child = get_child_or_404(child_id)
    form = AbsenceForm(today=local_today())
    if not form.validate_on_submit():
        return _list_page(child, form)
    now = clock.now()
    absence = Absence(child_id=child.id, start_date=form.start_date.data, end_date=form.end_date.data,
                      reason=(form.reason.data or "").strip()[:300], created_at=now, created_by_id=current_user.id)
    try:
        db.session.add(absence)
        db.session.flush()
        agenda = service.load_agenda(child, absence.start_date, absence.end_date)
        result = apply_absence(agenda, absence, now, current_user.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    notify_promoted(result.outcomes)
    deadline = rules.justification_deadline(absence.end_date, service.justification_hours(agenda))
    flash(result_text(absence, result, deadline), "success")
    return redirect(url_for(".index", child_id=child.id))


@bp.route("/enfants/<int:child_id>/absences/<int:absence_id>/justificatif", methods=["GET", "POST"])
def justification(child_id: int, absence_id: int):
    """Send the certificate of an absence (PDF, JPEG or PNG, checked by content) within the commune's window."""
    child = get_child_or_404(child_id)
    absence = get_absence_or_404(child, absence_id)
    now = clock.now()
    agenda = service.load_agenda(child, absence.start_date, absence.end_date)
    deadline = rules.justification_deadline(absence.end_date, service.justification_hours(agenda))
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
    """Store the file, record the Document, justify the absence and its reservations (one transaction; the file
    is removed again if the database write fails)."""
    stored_name = uploads.store(form.content, form.content_type)
    try:
        document = Document(
            family_id=current_user.family_id, child_id=absence.child_id, kind="justificatif_absence",
            original_name=uploads.clean_filename(form.certificate.data.filename, form.content_type),
            stored_name=stored_name, content_type=form.content_type, size=len(form.content), uploaded_at=now,
            uploaded_by_id=current_user.id)
        db.session.add(document)
        db.session.flush()
        absence.document_id, absence.justified_at = document.id, now
        count = justify(agenda, absence, now, current_user.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored_name)
        raise
    return count
