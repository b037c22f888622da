"""Back office: enrol a child in an activity for one of its periods, and unenrol them (their bookings from
tomorrow on in that period are cancelled after an explicit confirmation, the family told by e-mail). Routes only,
over blueprints/families/service.py (which cancels through reservations.service)."""

from __future__ import annotations

from itertools import groupby

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

import clock
from blueprints.backoffice import bp
from blueprints.backoffice.family_edit import get_family_or_404, get_member_or_404
from blueprints.backoffice.family_forms import EnrollForm
from blueprints.families import service, wording
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.notify import notify_cancelled, notify_promoted
from blueprints.reservations import wording as dates
from models import Enrollment, db


def get_child_of_family_or_404(family, child_id: int):
    child = get_member_or_404(family, child_id)
    if child.role != "child":
        abort(404)
    return child


@bp.route("/familles/<int:family_id>/enfants/<int:child_id>/inscrire", methods=["GET", "POST"])
def enroll(family_id: int, child_id: int):
    """Inscrire à une activité: one period of one activity (periods already over are not offered)."""
    family = get_family_or_404(family_id)
    child = get_child_of_family_or_404(family, child_id)
    today = clock.today()
    periods = service.enrollable_periods(today)
    enrolled = {e.period_id for e in child.enrollments}
    form = EnrollForm()
    form.period_id.choices = [SelectChoice(p.id, p.name) for p in periods]  # one already chosen: the rule says so
    if form.validate_on_submit():
        period = next(p for p in periods if p.id == form.period_id.data)
        problem = service.enroll(child, period, clock.now(), today, actor_id=current_user.id)
        if problem is None:
            db.session.commit()
            flash(_("Inscription enregistrée : %(name)s à « %(activity)s », période « %(period)s ». La famille "
                    "peut maintenant réserver.", name=child.full_name, activity=period.activity.name,
                    period=period.name), "success")
            return redirect(url_for(".family", family_id=family.id, _anchor=f"personne-{child.id}"))
        form.period_id.errors.append(wording.enrollment_text(problem, child.full_name, period.activity.name,
                                                             period.name))
    groups = [(activity, list(rows)) for activity, rows in groupby(periods, key=lambda p: p.activity)]
    offered = [p.id for p in periods if p.id not in enrolled]
    anchor = f"{form.period_id.id}-{offered[0]}" if offered else form.period_id.id
    errors = [(anchor, str(form.period_id.errors[0]))] if form.period_id.errors else []
    return render("backoffice/family_enroll.html", family=family, child=child, form=form, groups=groups,
                  enrolled=enrolled, offered=offered, errors=errors, page_errors=bool(errors),
                  long_date=dates.format_long_date)


def get_enrollment(family, enrollment_id: int) -> Enrollment | None:
    """The enrolment of a child of this family, or None (already removed, or not this family's)."""
    enrollment = db.session.get(Enrollment, enrollment_id, options=[
        joinedload(Enrollment.child), joinedload(Enrollment.activity), joinedload(Enrollment.period)])
    if enrollment is None or enrollment.child.family_id != family.id:
        return None
    return enrollment


@bp.route("/familles/<int:family_id>/inscriptions/<int:enrollment_id>/desinscrire", methods=["GET", "POST"])
def unenroll(family_id: int, enrollment_id: int):
    """Désinscrire: the page says which bookings will be cancelled (from tomorrow on, in the period); the
    button does it, tells the family by e-mail, and gives freed places to the waiting lists. A replay finds the
    enrolment gone and says so."""
    family = get_family_or_404(family_id)
    enrollment = get_enrollment(family, enrollment_id)
    if enrollment is None:
        flash(_("Cette inscription n'existe plus : l'enfant a déjà été désinscrit."), "success")
        return redirect(url_for(".family", family_id=family.id))
    child, activity, period = enrollment.child, enrollment.activity, enrollment.period
    today = clock.today()
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        reason = _("Désinscription de « %(activity)s » par le service", activity=activity.name)
        cancelled = service.unenroll(enrollment, clock.now(), today, actor_id=current_user.id, reason=reason)
        db.session.commit()
        notify_cancelled(cancelled, _("« %(name)s » : inscription retirée, réservations annulées", name=activity.name),
                         "backoffice/family_mail_unenrolled", unenrolled=child, activity=activity, period=period)
        notify_promoted([outcome for _child, outcome in cancelled])
        flash(_("Désinscription enregistrée : %(name)s de « %(activity)s », période « %(period)s ».",
                name=child.full_name, activity=activity.name, period=period.name), "success")
        if cancelled:
            flash(ngettext("%(num)d réservation annulée ; la famille est prévenue par e-mail.",
                           "%(num)d réservations annulées ; la famille est prévenue par e-mail.", len(cancelled)),
                  "success")
        return redirect(url_for(".family", family_id=family.id, _anchor=f"personne-{child.id}"))
    to_cancel = service.unenrolment_cancels(enrollment, today)
    days = sorted({r.date for r in to_cancel})
    return render("backoffice/family_unenroll.html", family=family, child=child, activity=activity, period=period,
                  enrollment=enrollment, to_cancel=to_cancel, days=days, form=form, today=today,
                  long_date=dates.format_long_date)
