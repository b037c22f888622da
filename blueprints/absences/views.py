"""Absences of a child (family pages): signal one in two steps (the form, then a recap of what will happen to
each booking, confirmed or modified), see what it did, withdraw it while days are still ahead, send its
certificate. Pages and redirects only (no fragment): every step works the same with and without JavaScript.

The writes are absences/service.py's; the rules (how far back, withdrawal, certificate window) absences/rules.py's.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import clock
from blueprints import uploads
from blueprints.absences import bp, wording
from blueprints.absences import rules as absence_rules
from blueprints.absences import service as absences
from blueprints.absences.forms import AbsenceForm, ConfirmAbsenceForm, JustificationForm
from blueprints.access import get_child_or_404
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.notify import notify_promoted
from blueprints.reservations import service
from blueprints.reservations.wording import format_date, format_moment, format_until
from models import Absence, Document, DocumentFile, Person, db


def get_absence_or_404(child: Person, absence_id: int) -> Absence:
    """The absence `absence_id` of `child` (already scoped to the family), or 404."""
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.child_id != child.id:
        abort(404)
    return absence


def earliest(child: Person) -> dt.date:
    """The first day an absence of `child` may start now (its widest certificate window decides)."""
    return absence_rules.earliest_start(clock.now(), absences.child_window(child.id))


def standing(absence: Absence, now: dt.datetime) -> dict:
    """Where the absence stands at `now`: its certificate deadline, whether a booking is still billable, what the
    family may do (send a certificate, withdraw) and the sentence that says it."""
    deadline = absences.deadline(absence, absences.window_hours([absence])[absence.id])
    billable = absences.kept_counts([absence])[absence.id]["absent"] > 0
    return {"deadline": deadline, "billable": billable,
            "can_send": absence_rules.can_send_certificate(absence.status, billable, deadline, now),
            "withdrawal": absence_rules.withdrawal(absence.status, absence.start_date, absence.end_date, now),
            "state": wording.status_text(absence, deadline, now, billable), "range": wording.range_text(absence)}


# --------------------------------------------------------------------------- signal: form, recap, confirm


def _list_page(child: Person, form: AbsenceForm, extra=()):
    now = clock.now()
    rows = db.session.execute(
        select(Absence).where(Absence.child_id == child.id).order_by(Absence.start_date.desc(), Absence.id.desc())
    ).scalars().all()
    hours, kept = absences.window_hours(rows), absences.kept_counts(rows)
    items = []
    for absence in rows:
        deadline = absences.deadline(absence, hours[absence.id])
        billable = kept[absence.id]["absent"] > 0
        items.append({
            "absence": absence, "range": wording.range_text(absence), "title": wording.title_text(absence),
            "state": wording.status_text(absence, deadline, now, billable),
            "can_send": absence_rules.can_send_certificate(absence.status, billable, deadline, now),
            "can_withdraw": absence_rules.withdrawal(absence.status, absence.start_date, absence.end_date,
                                                     now) is not None})
    return render("reservations/absences.html", child=child, form=form, items=items, extra=list(extra),
                  page_errors=bool(extra), hours=absences.commune_window(), earliest=format_date(form.earliest))


@bp.route("/enfants/<int:child_id>/absences")
def index(child_id: int):
    """Absences de <enfant>: the form "Signaler une absence" and the absences already signalled, with their state."""
    child = get_child_or_404(child_id)
    return _list_page(child, AbsenceForm(earliest=earliest(child)))


@bp.route("/enfants/<int:child_id>/absences", methods=["POST"])
def create(child_id: int):
    """Step 1: check the dates, then show the recap (what will happen to each booking). Nothing is written yet."""
    child = get_child_or_404(child_id)
    form = AbsenceForm(earliest=earliest(child))
    if not form.validate_on_submit():
        return _list_page(child, form)
    start, end = form.start_date.data, form.end_date.data
    now = clock.now()
    effects = absences.plan(service.load_agenda(child, start, end), start, end, now)
    return render("reservations/absence_recap.html", child=child, form=form, token=secrets.token_hex(16),
                  dates=wording.dates_text(start, end), counts=wording.counts_text(effects, True),
                  days=wording.by_day(effects, future=True), billable=any(e.effect == "absent" for e in effects))


@bp.route("/enfants/<int:child_id>/absences/modifier", methods=["POST"])
def edit(child_id: int):
    """"Modifier" on the recap: the form again, with the dates and reason as they were (nothing written)."""
    child = get_child_or_404(child_id)
    return _list_page(child, AbsenceForm(earliest=earliest(child)))


@bp.route("/enfants/<int:child_id>/absences/confirmer", methods=["POST"])
def confirm(child_id: int):
    """Step 2: record the absence and apply it as things stand now (a deadline may have passed since the recap),
    then show what really happened. The recap's one-time number makes a replay record nothing new."""
    child = get_child_or_404(child_id)
    form = ConfirmAbsenceForm(earliest=earliest(child))
    replayed = absences.find_by_token(form.token.data) if form.token.data else None
    if replayed is not None:
        return _already_recorded(child, replayed)
    if not form.validate_on_submit():
        extra = [(None, message) for message in form.token.errors]
        form.token.errors = []
        return _list_page(child, form, extra)
    now = clock.now()
    absence = Absence(child_id=child.id, start_date=form.start_date.data, end_date=form.end_date.data,
                      reason=(form.reason.data or "").strip()[:300], created_by_id=current_user.id,
                      request_token=form.token.data)
    try:
        result = absences.signal(service.load_agenda(child, absence.start_date, absence.end_date), absence, now,
                                 current_user.id)
        deadline = absences.deadline(absence, absences.window_hours([absence])[absence.id])
        db.session.commit()
    except IntegrityError:  # the same recap confirmed twice at once: the other request recorded it
        db.session.rollback()
        replayed = absences.find_by_token(form.token.data)
        if replayed is None:
            raise
        return _already_recorded(child, replayed)
    notify_promoted(result.outcomes)
    flash(" ".join([_("Absence enregistrée %(range)s.", range=wording.range_text(absence)),
                    wording.counts_text(result.effects, False)] + _certificate_hint(result, deadline)), "success")
    return redirect(url_for(".detail", child_id=child.id, absence_id=absence.id))


def _certificate_hint(result: absences.AbsenceResult, deadline: dt.datetime) -> list[str]:
    n = result.count("absent")
    if not n:
        return []
    return [ngettext("Envoyez un justificatif jusqu'au %(when)s pour qu'elle ne soit pas facturée.",
                     "Envoyez un justificatif jusqu'au %(when)s pour qu'elles ne soient pas facturées.", n,
                     when=format_until(deadline))]


def _already_recorded(child: Person, absence: Absence):
    if absence.child_id != child.id:  # another child's number: as unknown as its absence
        abort(404)
    flash(_("Cette absence est déjà enregistrée : voici ce qu'elle a fait."), "info")
    return redirect(url_for(".detail", child_id=child.id, absence_id=absence.id))


# --------------------------------------------------------------------------- one absence: result, withdrawal


@bp.route("/enfants/<int:child_id>/absences/<int:absence_id>")
def detail(child_id: int, absence_id: int):
    """One absence: where it stands, what it did to each booking (and what its withdrawal gave back), and what the
    family may still do."""
    child = get_child_or_404(child_id)
    absence = get_absence_or_404(child, absence_id)
    history = {name: wording.by_day(effects, future=False) for name, effects in absences.history(absence)}
    return render("reservations/absence.html", child=child, absence=absence, history=history,
                  created=format_moment(absence.created_at),
                  withdrawn=format_moment(absence.withdrawn_at) if absence.withdrawn_at else None,
                  **standing(absence, clock.now()))


@bp.route("/enfants/<int:child_id>/absences/<int:absence_id>/retirer", methods=["GET", "POST"])
def withdraw(child_id: int, absence_id: int):
    """Retirer l'absence: what will go back to "réservé" (days not started yet), what will not (cancellations),
    then the withdrawal itself. A replay changes nothing and says so."""
    child = get_child_or_404(child_id)
    absence = get_absence_or_404(child, absence_id)
    now, form = clock.now(), EmptyForm()
    page = {"child": child, "absence": absence, "form": form, **standing(absence, now)}
    withdrawal = page["withdrawal"]
    if withdrawal is None:
        if form.is_submitted() and absence.withdrawn_at is not None:
            flash(wording.withdraw_closed_text(absence) if absence.status == "withdrawn" else _(
                "Les jours à venir de cette absence ont déjà été retirés le %(when)s.",
                when=format_moment(absence.withdrawn_at)), "info")
            return redirect(url_for(".detail", child_id=child.id, absence_id=absence.id))
        return render("reservations/absence_withdraw.html", closed=wording.withdraw_closed_text(absence),
                      page_errors=form.is_submitted(), **page)
    restore = absences.to_restore(absence, withdrawal)
    if not form.validate_on_submit():
        days = wording.by_day([absences.Effect(unit, row.date, "restore") for row, unit in restore], future=True)
        return render("reservations/absence_withdraw.html", closed=None, restore=days, restore_count=len(restore),
                      today=format_date(clock.today()), **page)
    effects = absences.withdraw(absence, withdrawal, now, current_user.id)
    db.session.commit()
    done = (_("Absence %(range)s retirée.", range=page["range"]) if withdrawal.whole else
            _("Absence retirée à partir du %(day)s : elle se termine maintenant le %(end)s.",
              day=format_date(withdrawal.restore_from), end=format_date(withdrawal.new_end)))
    flash(done + " " + ngettext("%(num)d réservation est de nouveau réservée.",
                                "%(num)d réservations sont de nouveau réservées.", len(effects)), "success")
    return redirect(url_for(".detail", child_id=child.id, absence_id=absence.id))


# --------------------------------------------------------------------------- certificate


@bp.route("/enfants/<int:child_id>/absences/<int:absence_id>/justificatif", methods=["GET", "POST"])
def justification(child_id: int, absence_id: int):
    """Send the certificate of an absence (PDF, JPEG or PNG, checked by content) within its window: it then awaits
    an agent's validation. After a refusal, another one may be sent (absence_rules.certificate_deadline)."""
    child = get_child_or_404(child_id)
    absence = get_absence_or_404(child, absence_id)
    now, form = clock.now(), JustificationForm()
    page = {"child": child, "absence": absence, "form": form, **standing(absence, now)}
    if not page["can_send"]:
        closed = wording.closed_text(absence, page["deadline"], page["billable"])
        if form.is_submitted() and absence.status in ("submitted", "validated"):  # a replay: nothing new
            flash(closed, "info")
            return redirect(url_for(".detail", child_id=child.id, absence_id=absence.id))
        return render("reservations/justify.html", closed=closed, page_errors=form.is_submitted(), **page)
    if not form.validate_on_submit():
        return render("reservations/justify.html", closed=None, **page)
    save_justification(absence, form, now)
    flash(_("Justificatif reçu. Le service Enfance va le vérifier ; en attendant, les jours d'absence restent en "
            "« absence signalée ». Vous recevrez un e-mail s'il est refusé."), "success")
    return redirect(url_for(".detail", child_id=child.id, absence_id=absence.id))


def save_justification(absence: Absence, form: JustificationForm, now: dt.datetime) -> None:
    """Store the file, then record it in one transaction (the file is removed again if the database write fails)."""
    stored_name = uploads.store(form.content, form.content_type)
    document = Document(
        family_id=current_user.family_id, child_id=absence.child_id, kind="justificatif_absence", uploaded_at=now,
        uploaded_by_id=current_user.id, files=[DocumentFile(
            position=1, original_name=form.original_name, stored_name=stored_name,
            content_type=form.content_type, size=len(form.content))])
    try:
        absences.attach_certificate(absence, document)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(stored_name)
        raise
