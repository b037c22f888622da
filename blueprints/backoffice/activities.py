"""Back office: activities as data agents edit (deadlines, units, periods, closures) and their occupancy.

What is saved here is what the family agenda applies at once: the rules read these rows on every request. A
settings form is saved whole or not at all; raising a capacity gives the freed places to the waiting list (in
arrival order, families told by e-mail), as a cancellation does.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

import clock
import mail
from blueprints.auth.forms import EmptyForm
from blueprints.backoffice.forms import (
    NO_POLICY,
    ActivityForm,
    ClosureForm,
    flat_errors,
)
from blueprints.backoffice.views import bp
from blueprints.htmx import render
from blueprints.reservations import agenda as shared_agenda
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service
from models import (
    Activity,
    Closure,
    DeadlinePolicy,
    Person,
    Reservation,
    Unit,
    User,
    db,
)


def _load(stmt):
    """Activities with what their pages show (units, periods, policies) in a few queries."""
    return stmt.options(selectinload(Activity.units), selectinload(Activity.periods),
                        selectinload(Activity.booking_policy), selectinload(Activity.cancel_policy))


def get_activity_or_404(activity_id: int) -> Activity:
    """The activity with its units, periods and policies, or 404."""
    activity = db.session.execute(_load(select(Activity).where(Activity.id == activity_id))).scalar_one_or_none()
    if activity is None:
        abort(404)
    return activity


def weekday_names(unit: Unit) -> str:
    """"lundi, mardi, jeudi, vendredi"."""
    return ", ".join(rules.FR["weekdays"][d] for d in sorted(unit.weekday_set))


def this_month() -> str:
    """"2026-11": the current month in Europe/Paris, as month URLs spell it."""
    return f"{shared_agenda.local_today():%Y-%m}"


@bp.route("/activites")
def activities():
    """Activités: each with its deadlines in words, its units (days, places) and its periods."""
    rows = db.session.execute(_load(select(Activity).order_by(Activity.position, Activity.id))).scalars().all()
    settings = service.commune()
    return render("backoffice/activities.html", activities=rows, sentence=rules.policy_sentence,
                  weekday_names=weekday_names, ym=this_month(),
                  default_hours=settings.absence_justification_hours if settings else 48)


# --------------------------------------------------------------------------- settings


def _policy_data(policy: DeadlinePolicy | None) -> dict:
    if policy is None:
        return {"kind": NO_POLICY}
    return {"kind": policy.kind, "days": policy.days if policy.kind != "weekday_before" else None,
            "weekday": policy.weekday, "cutoff": policy.cutoff}


def form_data(activity: Activity) -> dict:
    """The activity as the settings form shows it."""
    return {
        "booking": _policy_data(activity.booking_policy),
        "cancel": _policy_data(activity.cancel_policy),
        "absence_justification_hours": activity.absence_justification_hours,
        "units": [{"unit_id": u.id, "label": u.label, "weekdays": sorted(u.weekday_set), "capacity": u.capacity}
                  for u in activity.units],
        "periods": [{"period_id": p.id, "name": p.name, "start_date": p.start_date, "end_date": p.end_date}
                    for p in activity.periods],
    }


def _stale(form: ActivityForm, activity: Activity) -> list[tuple[str, str]]:
    """A form whose units or periods are not exactly the activity's (changed meanwhile, or tampered with)."""
    units = sorted(e.form.unit_id.data or "" for e in form.units)
    periods = sorted(e.form.period_id.data or "" for e in form.periods)
    if units == sorted(str(u.id) for u in activity.units) and periods == sorted(str(p.id) for p in activity.periods):
        return []
    return [("", _("Les créneaux ou les périodes de cette activité ont changé depuis l'ouverture de la page : "
                   "rechargez-la, puis recommencez. Rien n'a été enregistré."))]


def _policy_values(sub) -> tuple | None:
    kind = sub.kind.data
    if kind == NO_POLICY:
        return None
    weekday = sub.weekday.data if kind == "weekday_before" else None
    days = sub.days.data if kind != "weekday_before" else 0
    return kind, days, weekday, sub.cutoff.data.replace(second=0, microsecond=0)


def _set_policy(activity: Activity, attr: str, sub) -> DeadlinePolicy | None:
    """Give the activity a new policy row when the deadline changed (a row is never edited in place, so one
    shared by another activity or by the other action stays as it was). Returns the replaced row."""
    current = getattr(activity, attr)
    values = _policy_values(sub)
    if values == (None if current is None else (current.kind, current.days, current.weekday, current.cutoff)):
        return None
    new = None if values is None else DeadlinePolicy(kind=values[0], days=values[1], weekday=values[2],
                                                     cutoff=values[3])
    setattr(activity, attr, new)
    return current


def _drop_unused(policies) -> None:
    for policy in {p.id: p for p in policies if p is not None}.values():
        used = db.session.scalar(select(func.count()).select_from(Activity).where(
            or_(Activity.booking_policy_id == policy.id, Activity.cancel_policy_id == policy.id)))
        if not used:
            db.session.delete(policy)


def _more_places(before: int | None, after: int | None) -> bool:
    return before is not None and (after is None or after > before)


def promote_after_raise(unit: Unit, now: dt.datetime) -> list[service.Outcome]:
    """Places added to a unit go to its waiting lists from today on, first come first served, under the same
    conditions as a freed place (service.promote_waiting: deadlines, half-day needed by a meal)."""
    today = now.astimezone(rules.PARIS).date()
    days = db.session.execute(select(Reservation.date).where(
        Reservation.unit_id == unit.id, Reservation.state == "waiting", Reservation.date >= today).distinct()
    ).scalars().all()
    calendar = service.calendar_for(service.commune(), range(today.year - 1, today.year + 3))
    outcomes = []
    for day in sorted(days):
        promoted = service.promote_waiting(
            unit, day, now, calendar, actor_id=current_user.id,
            reason=_("Places ajoutées par le service : inscription depuis la liste d'attente"))
        if promoted:
            outcomes.append(service.Outcome(unit, day, rules.Decision("unchanged", None, None), promoted=promoted))
    return outcomes


@dataclass
class Saved:
    """What a settings save did, or would do: `stranded` are the bookings from today on that fall on days their
    unit no longer runs; when they were not confirmed, nothing else happened (the caller rolls back)."""

    stranded: list[Reservation]
    cancelled: list[tuple[Person, service.Outcome]]
    promoted: list[service.Outcome]


def _running(activity: Activity) -> tuple[dict[int, frozenset[int]], list[tuple[dt.date, dt.date]]]:
    """The activity's days as its settings say them: weekdays per unit id, periods (start, end)."""
    return ({u.id: u.weekday_set for u in activity.units},
            [(p.start_date, p.end_date) for p in activity.periods])


def _runs(running, unit_id: int, day: dt.date) -> bool:
    weekdays, periods = running
    return day.weekday() in weekdays.get(unit_id, ()) and any(start <= day <= end for start, end in periods)


def stranded_reservations(activity: Activity, before, today: dt.date) -> list[Reservation]:
    """Bookings and waiting-list entries of the activity from `today` on, on days their unit ran under the settings
    `before` (see _running) and no longer runs under the activity's current ones (weekday removed, or outside every
    period). One query for the candidates, the filter in Python."""
    after = _running(activity)
    rows = db.session.execute(
        select(Reservation).join(Reservation.unit).options(contains_eager(Reservation.unit))
        .where(Unit.activity_id == activity.id, Reservation.date >= today)
        .order_by(Reservation.date, Reservation.unit_id, Reservation.child_id)
    ).scalars().all()
    return [r for r in rows if _runs(before, r.unit_id, r.date) and not _runs(after, r.unit_id, r.date)]


def stranded_message(stranded: list[Reservation], shown: int = 3) -> str:
    """"12 réservations de 5 enfants tombent sur des jours retirés (lundi 30 novembre, …). Cochez la case…"."""
    days = sorted({r.date for r in stranded})
    listed = ", ".join(rules.format_date(d) for d in days[:shown]) + (", …" if len(days) > shown else "")
    children = len({r.child_id for r in stranded})
    bookings = ngettext("%(num)d réservation", "%(num)d réservations", len(stranded))
    of = ngettext("d'un enfant", "de %(num)d enfants", children)
    falls = (ngettext("tombe sur un jour retiré", "tombe sur des jours retirés", len(days)) if len(stranded) == 1
             else ngettext("tombent sur un jour retiré", "tombent sur des jours retirés", len(days)))
    return _("%(bookings)s %(of)s %(falls)s (%(days)s). Cochez la case pour les annuler et prévenir les familles, "
             "ou gardez ces jours.", bookings=bookings, of=of, falls=falls, days=listed)


def save_settings(activity: Activity, form: ActivityForm, now: dt.datetime, *, confirmed: bool = False) -> Saved:
    """Write a valid form into the activity, its units and periods (flush only: the caller commits once).

    Bookings from today on that fall on days the new settings remove are cancelled (like a closure's) only when
    `confirmed`; otherwise the save stops there and returns them, for the caller to roll back and ask. Then the
    waiting lists get the places a raised capacity added."""
    before = _running(activity)
    replaced = [_set_policy(activity, "booking_policy", form.booking.form),
                _set_policy(activity, "cancel_policy", form.cancel.form)]
    activity.absence_justification_hours = form.absence_justification_hours.data
    units = {str(u.id): u for u in activity.units}
    raised = []
    for entry in form.units:
        unit, sub = units[entry.form.unit_id.data], entry.form
        if _more_places(unit.capacity, sub.capacity.data):
            raised.append(unit)
        unit.label = sub.label.data.strip()
        unit.weekdays = "".join(str(d) for d in sorted(set(sub.weekdays.data)))
        unit.capacity = sub.capacity.data
    periods = {str(p.id): p for p in activity.periods}
    for entry in form.periods:
        period, sub = periods[entry.form.period_id.data], entry.form
        period.name, period.start_date, period.end_date = sub.name.data.strip(), sub.start_date.data, sub.end_date.data
    db.session.flush()  # the unit rows are now locked (UPDATE) until commit: bookings wait for the new capacity
    stranded = stranded_reservations(activity, before, now.astimezone(rules.PARIS).date())
    if stranded and not confirmed:
        return Saved(stranded, [], [])
    cancelled = cancel_reservations(stranded, now, _("Jour retiré du calendrier de l'activité"))
    _drop_unused(replaced)
    return Saved(stranded, cancelled, [outcome for unit in raised for outcome in promote_after_raise(unit, now)])


def closures_of(activity: Activity) -> list[Closure]:
    """This activity's closures and the commune-wide ones, from the start of last month on."""
    today = shared_agenda.local_today()
    first = dt.date(*shared_agenda.shift_month(today.year, today.month, -1), 1)
    return db.session.execute(
        select(Closure).where(or_(Closure.activity_id == activity.id, Closure.activity_id.is_(None)),
                              Closure.date >= first).order_by(Closure.date, Closure.id)
    ).scalars().all()


def edit_page(activity: Activity, form: ActivityForm, closure_form: ClosureForm, problems=()):
    """The settings page with both of its forms; errors of either are listed in one summary."""
    errors = [*problems, *flat_errors(form), *flat_errors(closure_form)]
    settings = service.commune()
    return render("backoffice/activity_edit.html", activity=activity, form=form, closure_form=closure_form,
                  errors=errors, page_errors=bool(errors), closures=closures_of(activity),
                  sentence=rules.policy_sentence, ym=this_month(), format_date=rules.format_date,
                  default_hours=settings.absence_justification_hours if settings else 48)


@bp.route("/activites/<int:activity_id>", methods=["GET", "POST"])
def activity_edit(activity_id: int):
    """Paramètres d'une activité: deadlines, justification window, units, periods (saved whole or not at all)."""
    activity = get_activity_or_404(activity_id)
    form = ActivityForm() if request.method == "POST" else ActivityForm(data=form_data(activity))
    problems = []
    if form.validate_on_submit():
        problems = _stale(form, activity)
        if not problems:
            confirmed = bool(form.confirm_cancellations.data)
            saved = save_settings(activity, form, clock.now(), confirmed=confirmed)
            if saved.stranded and not confirmed:
                db.session.rollback()  # nothing saved: the agent confirms or keeps these days
                form.confirm_cancellations.errors = [stranded_message(saved.stranded)]
                activity = get_activity_or_404(activity_id)
                return edit_page(activity, form, ClosureForm(prefix="closure", formdata=None))
            db.session.commit()
            notify_cancelled(saved.cancelled, _("« %(name)s » : réservations annulées sur des jours retirés",
                                                name=activity.name),
                             "reservations/mail_days_removed", activity=activity)
            shared_agenda.notify_promoted(saved.promoted)
            flash(_("Paramètres de « %(name)s » enregistrés.", name=activity.name), "success")
            if saved.cancelled:
                flash(ngettext("%(num)d réservation ou place en liste d'attente sur un jour retiré a été annulée "
                               "(famille prévenue par e-mail).",
                               "%(num)d réservations ou places en liste d'attente sur des jours retirés ont été "
                               "annulées (familles prévenues par e-mail).", len(saved.cancelled)), "success")
            promoted = sum(len(o.promoted) for o in saved.promoted)
            if promoted:
                flash(ngettext("%(num)d enfant de la liste d'attente a obtenu une place (famille prévenue par e-mail).",
                               "%(num)d enfants de la liste d'attente ont obtenu une place (familles prévenues par "
                               "e-mail).", promoted), "success")
            return redirect(url_for(".activity_edit", activity_id=activity.id))
    return edit_page(activity, form, ClosureForm(prefix="closure", formdata=None), problems)


# --------------------------------------------------------------------------- closures


def cancel_reservations(rows: list[Reservation], now: dt.datetime, reason: str) -> list[tuple[Person, service.Outcome]]:
    """Cancel these reservations and waiting-list entries through the service (audit trail via "system", the agent
    as actor, agent's rights). Flush only (the caller commits). Waiting-list entries go first, so no place freed
    here is handed to the waiting list, and a child's meals before the half-days they need. Returns the
    cancellations, with the child of each."""
    rows = sorted(rows, key=lambda r: (r.state != "waiting", not r.unit.required_unit_ids, r.child_id, r.date,
                                       r.unit_id))
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for row in rows:
        first, last = spans.get(row.child_id, (row.date, row.date))
        spans[row.child_id] = (min(first, row.date), max(last, row.date))
    targets = [(row.unit, row.child_id, row.date) for row in rows]  # read before any row is deleted
    agendas: dict[int, service.ChildAgenda] = {}
    cancelled = []
    for unit, child_id, day in targets:
        if child_id not in agendas:
            agendas[child_id] = service.load_agenda(db.session.get(Person, child_id), *spans[child_id])
        outcome = service.apply_change(agendas[child_id], unit, day, False, now, actor_id=current_user.id,
                                       via="system", reason=reason, by_agent=True)
        if outcome.decision.changed:
            cancelled.append((agendas[child_id].child, outcome))
    return cancelled


def cancel_for_closure(closure: Closure, now: dt.datetime) -> list[tuple[Person, service.Outcome]]:
    """Cancel (cancel_reservations) every reservation and waiting-list entry of the closed day: the closure's
    activity, or every activity for a commune-wide closure. Flush only (the caller commits)."""
    stmt = (select(Reservation).join(Reservation.unit).options(contains_eager(Reservation.unit))
            .where(Reservation.date == closure.date))
    if closure.activity_id is not None:
        stmt = stmt.where(Unit.activity_id == closure.activity_id)
    rows = db.session.execute(stmt).scalars().all()
    return cancel_reservations(rows, now, _("Fermeture : %(reason)s", reason=closure.reason))


def _day_order(outcome: service.Outcome) -> tuple:
    """Slots in the order of the day: morning, meal, afternoon."""
    unit = outcome.unit
    return {"morning": 0, "meal": 1, "afternoon": 2}.get(unit.slot, 9), unit.activity.position, unit.position, unit.id


def notify_cancelled(cancelled: list[tuple[Person, service.Outcome]], subject: str, template: str, **context) -> None:
    """One e-mail per family whose children lost bookings (or waiting-list entries): `children` in the template
    is [(child, outcomes by day, then in the order of the day)]. A mail server down leaves the cancellations as
    they are (the agenda is up to date anyway)."""
    by_family: dict[int, dict[Person, list[service.Outcome]]] = defaultdict(lambda: defaultdict(list))
    for child, outcome in cancelled:
        by_family[child.family_id][child].append(outcome)
    for family_id, children in by_family.items():
        users = db.session.execute(
            select(User).where(User.family_id == family_id, User.active.is_(True))).scalars().all()
        listed = [(child, sorted(outcomes, key=lambda o: (o.day, *_day_order(o))))
                  for child, outcomes in sorted(children.items(), key=lambda item: (item[0].first_name, item[0].id))]
        for user in users:
            try:
                mail.send(user.email, subject, template, children=listed, **context)
            except OSError:
                pass


def notify_closure(closure: Closure, cancelled: list[tuple[Person, service.Outcome]]) -> None:
    """One e-mail per family whose children lost a booking (or a waiting-list entry) to the closure."""
    notify_cancelled(cancelled, _("Fermeture du %(day)s : réservations annulées", day=rules.format_date(closure.date)),
                     "reservations/mail_closure", day=closure.date, reason=closure.reason)


@bp.route("/activites/<int:activity_id>/fermetures", methods=["POST"])
def closure_add(activity_id: int):
    """Ajouter une fermeture: families see "Fermé (motif)" that day and can no longer book it; the day's bookings
    and waiting-list entries are cancelled and their families told by e-mail."""
    activity = get_activity_or_404(activity_id)
    closure_form = ClosureForm(prefix="closure")
    if closure_form.validate_on_submit():
        day = closure_form.date.data
        if db.session.scalar(select(func.count()).select_from(Closure).where(
                Closure.date == day, or_(Closure.activity_id == activity.id, Closure.activity_id.is_(None)))):
            closure_form.date.errors.append(_("Une fermeture est déjà enregistrée ce jour-là."))
        else:
            closure = Closure(activity_id=activity.id, date=day, reason=closure_form.reason.data.strip())
            db.session.add(closure)
            db.session.flush()
            cancelled = cancel_for_closure(closure, clock.now())
            db.session.commit()
            notify_closure(closure, cancelled)
            flash(_("Fermeture du %(day)s ajoutée.", day=rules.format_date(day)), "success")
            if cancelled:
                flash(ngettext("%(num)d réservation ou place en liste d'attente de ce jour-là a été annulée "
                               "(famille prévenue par e-mail).",
                               "%(num)d réservations ou places en liste d'attente de ce jour-là ont été annulées "
                               "(familles prévenues par e-mail).", len(cancelled)), "success")
            return redirect(url_for(".activity_edit", activity_id=activity.id, _anchor="fermetures"))
    return edit_page(activity, ActivityForm(formdata=None, data=form_data(activity)), closure_form)


@bp.route("/activites/<int:activity_id>/fermetures/<int:closure_id>/supprimer", methods=["POST"])
def closure_delete(activity_id: int, closure_id: int):
    """Supprimer une fermeture de cette activité (the commune-wide ones are not deleted from here)."""
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.activity_id != activity_id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    day = closure.date
    db.session.delete(closure)
    db.session.commit()
    flash(_("Fermeture du %(day)s supprimée.", day=rules.format_date(day)), "success")
    return redirect(url_for(".activity_edit", activity_id=activity_id, _anchor="fermetures"))


# --------------------------------------------------------------------------- occupancy


@dataclass
class OccupancyRow:
    """One unit on one day: places held (reserved, absent, justified) and waiting list."""

    day: dt.date
    unit: Unit
    booked: int = 0
    waiting: int = 0

    @property
    def free(self) -> int | None:
        """Places left (None = unlimited)."""
        return None if self.unit.capacity is None else max(self.unit.capacity - self.booked, 0)

    @property
    def over(self) -> int:
        """Places held beyond the capacity (after it was lowered, or agents' corrections)."""
        return 0 if self.unit.capacity is None else max(self.booked - self.unit.capacity, 0)


def occupancy_rows(activity: Activity, start: dt.date, end: dt.date) -> tuple[list[OccupancyRow], list[OccupancyRow]]:
    """(rows of open days, rows of reservations on days the unit does not run), from one grouped query."""
    units = list(activity.units)
    counts: dict[tuple[int, dt.date], OccupancyRow] = {}
    by_id = {u.id: u for u in units}
    for unit_id, day, state, n in db.session.execute(
        select(Reservation.unit_id, Reservation.date, Reservation.state, func.count())
        .where(Reservation.unit_id.in_(list(by_id)), Reservation.date.between(start, end))
        .group_by(Reservation.unit_id, Reservation.date, Reservation.state)
    ).all() if units else ():
        row = counts.setdefault((unit_id, day), OccupancyRow(day, by_id[unit_id]))
        if state == "waiting":
            row.waiting += n
        else:
            row.booked += n
    closures = db.session.execute(select(Closure).where(
        Closure.date.between(start, end), or_(Closure.activity_id == activity.id, Closure.activity_id.is_(None))
    )).scalars().all()
    calendar = service.calendar_for(service.commune(), range(start.year - 1, end.year + 2))
    open_keys = {(u.id, d) for u in units
                 for d in rules.open_days(u, activity, activity.periods, closures, calendar, start, end)}
    rows = [counts.get((u.id, day)) or OccupancyRow(day, u) for day in _days(start, end) for u in units
            if (u.id, day) in open_keys]
    stray = sorted((r for key, r in counts.items() if key not in open_keys), key=lambda r: (r.day, r.unit.position))
    return rows, stray


def _days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += rules.ONE_DAY


@bp.route("/activites/<int:activity_id>/occupation")
def occupancy_current(activity_id: int):
    """The occupancy opens on the current month."""
    get_activity_or_404(activity_id)
    return redirect(url_for(".occupancy", activity_id=activity_id, ym=this_month()))


@bp.route("/activites/<int:activity_id>/occupation/<ym>")
def occupancy(activity_id: int, ym: str):
    """Occupation: per open day and unit, places held, places left and waiting list, for one month."""
    activity = get_activity_or_404(activity_id)
    year, month = shared_agenda.parse_month(ym)
    start, end = month_view.month_bounds(year, month)
    rows, stray = occupancy_rows(activity, start, end)
    prev, nxt = shared_agenda.shift_month(year, month, -1), shared_agenda.shift_month(year, month, 1)
    return render("backoffice/occupancy.html", activity=activity, rows=rows, stray=stray, first_day=start,
                  prev=dt.date(*prev, 1), next=dt.date(*nxt, 1), format_date=rules.format_date)
