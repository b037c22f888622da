"""Activity settings and closures against the database: the one place that writes them, and what they do to the
reservations already made (cancelled with the families told, or places given to the waiting lists).

The back office reads a form into plain values (`ActivitySettings`) and calls these functions; they flush, the
caller commits once and then sends the e-mails (blueprints/notify.py). Rules stay in reservations/rules.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from blueprints.reservations import rules, service
from models import Activity, Closure, DeadlinePolicy, Family, Person, Reservation, Unit, User, db

# A deadline policy as values: (kind, days, weekday, cutoff), or None for "until the start of the day".
PolicyValues = tuple[str, int, int | None, dt.time] | None


@dataclass(frozen=True)
class UnitSettings:
    unit_id: int
    label: str
    weekdays: frozenset[int]
    capacity: int | None


@dataclass(frozen=True)
class PeriodSettings:
    period_id: int
    name: str
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True)
class ActivitySettings:
    """Everything an agent sets for an activity, saved at once or not at all."""

    booking: PolicyValues
    cancel: PolicyValues
    justification_hours: int | None
    units: tuple[UnitSettings, ...]
    periods: tuple[PeriodSettings, ...]


@dataclass
class Saved:
    """What a settings save did, or would do: `stranded` are the bookings from today on that fall on days their
    unit no longer runs; when they were not confirmed, nothing else happened (the caller rolls back)."""

    stranded: list[Reservation]
    cancelled: list[tuple[Person, service.Outcome]]
    promoted: list[service.Outcome]


def matches(settings: ActivitySettings, activity: Activity) -> bool:
    """True when the settings name exactly the activity's units and periods (not changed meanwhile, not forged)."""
    return (sorted(u.unit_id for u in settings.units) == sorted(u.id for u in activity.units)
            and sorted(p.period_id for p in settings.periods) == sorted(p.id for p in activity.periods))


def _set_policy(activity: Activity, attr: str, values: PolicyValues) -> DeadlinePolicy | None:
    """Give the activity a new policy row when the deadline changed (a row is never edited in place, so one
    shared by another activity or by the other action stays as it was). Returns the replaced row."""
    current = getattr(activity, attr)
    if values == (None if current is None else (current.kind, current.days, current.weekday, current.cutoff)):
        return None
    kind, days, weekday, cutoff = values if values is not None else (None, 0, None, None)
    setattr(activity, attr, None if values is None else DeadlinePolicy(kind=kind, days=days, weekday=weekday,
                                                                       cutoff=cutoff))
    return current


def _drop_unused(policies) -> None:
    for policy in {p.id: p for p in policies if p is not None}.values():
        used = db.session.scalar(select(func.count()).select_from(Activity).where(
            or_(Activity.booking_policy_id == policy.id, Activity.cancel_policy_id == policy.id)))
        if not used:
            db.session.delete(policy)


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


def save_settings(activity: Activity, settings: ActivitySettings, now: dt.datetime, *, actor_id: int | None,
                  confirmed: bool, removed_reason: str, raised_reason: str) -> Saved:
    """Write the settings into the activity, its units and periods (flush only: the caller commits once).

    Bookings from today on that fall on days the new settings remove are cancelled (like a closure's) only when
    `confirmed`; otherwise the save stops there and returns them, for the caller to roll back and ask. Then the
    waiting lists get the places a raised capacity added."""
    before = _running(activity)
    replaced = [_set_policy(activity, "booking_policy", settings.booking),
                _set_policy(activity, "cancel_policy", settings.cancel)]
    activity.absence_justification_hours = settings.justification_hours
    units = {u.id: u for u in activity.units}
    raised = []
    for wanted in settings.units:
        unit = units[wanted.unit_id]
        if unit.capacity is not None and (wanted.capacity is None or wanted.capacity > unit.capacity):
            raised.append(unit)
        unit.label = wanted.label
        unit.weekdays = "".join(str(d) for d in sorted(wanted.weekdays))
        unit.capacity = wanted.capacity
    periods = {p.id: p for p in activity.periods}
    for wanted in settings.periods:
        period = periods[wanted.period_id]
        period.name, period.start_date, period.end_date = wanted.name, wanted.start_date, wanted.end_date
    db.session.flush()  # the unit rows are now locked (UPDATE) until commit: bookings wait for the new capacity
    stranded = stranded_reservations(activity, before, now.astimezone(rules.PARIS).date())
    if stranded and not confirmed:
        return Saved(stranded, [], [])
    cancelled = service.cancel_reservations(stranded, now, removed_reason, actor_id=actor_id)
    _drop_unused(replaced)
    promoted = [outcome for unit in raised
                for outcome in service.promote_after_raise(unit, now, actor_id=actor_id, reason=raised_reason)]
    return Saved(stranded, cancelled, promoted)


# --------------------------------------------------------------------------- closures


def closure_exists(activity_id: int, day: dt.date) -> bool:
    """A closure of this activity, or of every activity, is already recorded on `day`."""
    return bool(db.session.scalar(select(func.count()).select_from(Closure).where(
        Closure.date == day, or_(Closure.activity_id == activity_id, Closure.activity_id.is_(None)))))


def closures_from(activity_id: int, first: dt.date) -> list[Closure]:
    """The activity's closures and the commune-wide ones from `first` on, in date order."""
    return list(db.session.execute(
        select(Closure).where(or_(Closure.activity_id == activity_id, Closure.activity_id.is_(None)),
                              Closure.date >= first).order_by(Closure.date, Closure.id)
    ).scalars().all())


@dataclass(frozen=True)
class ClosureCounts:
    """What a closure cancels, or cancelled: places held (reserved, absent, justified), waiting-list entries, and
    the families told by e-mail. `unreachable`: names of the families concerned that have no active login (no
    e-mail reaches them: the service calls them)."""

    reserved: int
    waiting: int
    families: int
    unreachable: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not (self.reserved or self.waiting)


def _counts(states: list[str], family_ids: set[int]) -> ClosureCounts:
    """Counts from the states cancelled and the families concerned (one query for the families without login)."""
    unreachable: tuple[str, ...] = ()
    if family_ids:
        reachable = set(db.session.execute(select(User.family_id).where(
            User.family_id.in_(family_ids), User.active.is_(True))).scalars())
        missing = family_ids - reachable
        if missing:
            unreachable = tuple(sorted(db.session.execute(select(Family.name).where(Family.id.in_(missing)))
                                       .scalars()))
    waiting = sum(1 for state in states if state == "waiting")
    return ClosureCounts(len(states) - waiting, waiting, len(family_ids) - len(unreachable), unreachable)


def closure_preview(activity_id: int | None, day: dt.date) -> ClosureCounts:
    """What closing `day` would cancel (read only): the day's reservations and waiting-list entries of the activity
    (of every activity for a commune-wide closure), and the families to tell, in three queries."""
    rows = service.reservations_on(day, activity_id)
    children = {r.child_id for r in rows}
    family_ids = set(db.session.execute(select(Person.family_id).where(Person.id.in_(children))).scalars()
                     ) if children else set()
    return _counts([r.state for r in rows], family_ids)


def closure_done(cancelled: list[tuple[Person, service.Outcome]]) -> ClosureCounts:
    """What add_closure really cancelled (the counts may differ from the preview: families kept booking)."""
    return _counts([outcome.decision.before for _child, outcome in cancelled],
                   {child.family_id for child, _outcome in cancelled})


def add_closure(activity_id: int | None, day: dt.date, reason: str, now: dt.datetime, *, actor_id: int | None,
                cancel_reason: str) -> tuple[Closure, list[tuple[Person, service.Outcome]]]:
    """Record a closure and cancel every reservation and waiting-list entry of that day (the activity's, or every
    activity's for a commune-wide closure). Flush only; the caller commits, then tells the families."""
    closure = Closure(activity_id=activity_id, date=day, reason=reason)
    db.session.add(closure)
    db.session.flush()
    cancelled = service.cancel_reservations(service.reservations_on(day, activity_id), now, cancel_reason,
                                            actor_id=actor_id)
    return closure, cancelled


def delete_closure(closure: Closure) -> None:
    """Remove a closure: the day runs again and can be booked. The bookings it cancelled are not restored (their
    places may have gone to other children since, and the families were told): families book again."""
    db.session.delete(closure)
    db.session.flush()
