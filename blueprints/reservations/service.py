"""Reservations against the database: load what the rules need in a few queries, apply changes atomically.

The rules themselves live in rules.py (pure, `now` passed in). This module is the only one that writes
Reservation rows: views call `apply_change` so the portal, the agent screens, bulk booking and absences all go
through the same checks, the same capacity lock and the same audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from blueprints.reservations import catalogue, rules
from models import (
    Activity,
    Closure,
    CommuneSettings,
    Enrollment,
    Person,
    Reservation,
    ReservationChange,
    Unit,
    commune_settings,
    db,
)


@dataclass
class ChildAgenda:
    """What a child may book: enrolled activities with their units, periods, closures and the commune calendar."""

    child: Person
    calendar: rules.CommuneCalendar
    activities: list[Activity]
    units: dict[int, Unit]  # every unit the child is enrolled for, by id
    periods: dict[int, list]  # activity id -> enrolled periods
    closures: list[Closure]
    commune_hours: int | None = None  # the commune's window to justify an absence (activities may override it)

    def enrolled(self, unit: Unit, day: dt.date) -> bool:
        return any(p.start_date <= day <= p.end_date for p in self.periods.get(unit.activity_id, ()))

    def status(self, unit: Unit, day: dt.date):
        return rules.day_status(unit, unit.activity, self.periods.get(unit.activity_id, ()), self.closures,
                                self.calendar, day)

    def booking_deadline(self, unit: Unit, day: dt.date) -> dt.datetime:
        return rules.deadline(unit.activity.booking_policy, day, self.calendar)

    def cancel_deadline(self, unit: Unit, day: dt.date) -> dt.datetime:
        return rules.deadline(unit.activity.cancel_policy, day, self.calendar)

    def justification_hours(self, activity: Activity) -> int:
        """Hours to justify an absence from `activity`'s bookings (its own window, else the commune's)."""
        return rules.justification_window(activity.absence_justification_hours, self.commune_hours)


def commune() -> CommuneSettings | None:
    """The commune's settings row (read once per request)."""
    return commune_settings()


def calendar_for(settings: CommuneSettings | None, years) -> rules.CommuneCalendar:
    zone = settings.school_zone if settings else "B"
    subdivision = settings.holiday_subdivision if settings else None
    return rules.build_calendar(zone, subdivision, years)


def with_enrolments():
    """Loader option for the child of an agenda page or toggle: its enrolments come in the same query as the child
    (one round trip fewer on the two busiest requests); load_agenda then reads them from the child."""
    return joinedload(Person.enrollments)


def load_agenda(child: Person, start: dt.date, end: dt.date, *, unit_id: int | None = None) -> ChildAgenda:
    """Everything needed to judge `child`'s bookings between `start` and `end`: the child's enrolments (one query,
    none when they came with the child: with_enrolments)
    joined, in memory, to the activities, units, periods and closures of the catalogue (reservations/catalogue.py,
    kept per process). `unit_id` is accepted for callers that know the one unit they change (nothing to save now)."""
    found = catalogue.current()
    if "enrollments" in inspect(child).dict:  # loaded with the child (with_enrolments): no second round trip
        enrolled = [(e.activity_id, e.period_id) for e in child.enrollments]
    else:
        enrolled = db.session.execute(
            select(Enrollment.activity_id, Enrollment.period_id).where(Enrollment.child_id == child.id)
        ).all()
    periods: dict[int, list] = defaultdict(list)
    for activity_id, period_id in enrolled:
        if activity_id in found.activities and period_id in found.periods:
            periods[activity_id].append(found.periods[period_id])
    activity_list = sorted((found.activities[a] for a in periods), key=lambda a: (a.position, a.id))
    settings = commune()
    return ChildAgenda(
        child=child,
        calendar=calendar_for(settings, range(start.year - 1, end.year + 2)),
        activities=activity_list,
        units={u.id: u for a in activity_list for u in a.units},
        periods={a: sorted(ps, key=lambda p: p.start_date) for a, ps in periods.items()},
        closures=found.closures_between(start, end) if periods else [],
        commune_hours=settings.absence_justification_hours if settings else None,
    )


def child_reservations(child_id: int, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Reservation]:
    rows = db.session.execute(
        select(Reservation).where(Reservation.child_id == child_id, Reservation.date.between(start, end))
    ).scalars().all()
    return {(r.unit_id, r.date): r for r in rows}


def taken_counts(unit_ids, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], int]:
    """Places held per (unit, day) for capacity-limited units, in one grouped query."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(Reservation.unit_id, Reservation.date, func.count())
        .where(Reservation.unit_id.in_(unit_ids), Reservation.date.between(start, end),
               Reservation.state.in_(rules.TAKEN_STATES))
        .group_by(Reservation.unit_id, Reservation.date)
    ).all()
    return {(u, d): n for u, d, n in rows}


def waiting_positions(waiting: list[Reservation]) -> dict[tuple[int, dt.date], int]:
    """1-based waiting-list rank of each of these entries (one query for all of them)."""
    if not waiting:
        return {}
    earlier = db.aliased(Reservation)
    conditions = [and_(earlier.unit_id == r.unit_id, earlier.date == r.date,
                       or_(earlier.requested_at < r.requested_at,
                           and_(earlier.requested_at == r.requested_at, earlier.id < r.id)))
                  for r in waiting]
    positions = {(r.unit_id, r.date): 1 for r in waiting}
    rows = db.session.execute(
        select(earlier.unit_id, earlier.date, func.count())
        .where(earlier.state == "waiting", or_(*conditions))
        .group_by(earlier.unit_id, earlier.date)
    ).all()
    for unit_id, day, n in rows:
        positions[(unit_id, day)] = n + 1
    return positions


def label_elsewhere(agenda: ChildAgenda, unit) -> bool:
    """True when the child is enrolled in another activity with a unit of the same label ("Repas" at the canteen
    and at the leisure centre): the agenda then names the service too (in memory: the agenda has every unit)."""
    return any(u.label == unit.label and u.activity_id != unit.activity_id for u in agenda.units.values())


# --------------------------------------------------------------------------- changes


@dataclass
class Outcome:
    """A decision taken and applied, with what it caused (promotions from the waiting list)."""

    unit: Unit
    day: dt.date
    decision: rules.Decision
    promoted: list[Reservation] = field(default_factory=list)
    position: int | None = None  # waiting-list rank after the change
    reservation: Reservation | None = None  # the child's row for this slot after the change (None: no row)
    taken: int | None = None  # places held on the slot after the change, when counted under the lock (a booking)


def _lock_slots(slots) -> dict[int, int | None]:
    """Serialise the changes of each capacity-limited slot, (unit id, day), before its places are counted (the one
    engine-specific helper). Returns the capacity of each unit as stored once the lock is held: the catalogue the
    request started with may predate an agent's save that the lock waited for.

    PostgreSQL: a share lock on the unit rows (SELECT ... FOR SHARE: bookings of a unit do not wait for each other,
    but an agent saving the unit's settings, whose UPDATE locks the row, waits for the bookings under way and they
    for it), then a transaction-level advisory lock per (unit, day): two bookings of the same day wait for each
    other, bookings of different days do not (the opening of a course books its five days at once). Locks are
    taken in (unit, day) order, all at once at the start of a batch, so two batches never wait on each other in
    opposite orders (no deadlock); the counts that follow see committed bookings. The advisory key is the pair
    (unit id, day's ordinal), the two-integer key space, which nothing else in the application uses.
    SQLite drops row locks and runs reads outside any write transaction, so two requests could both count the last
    place as free: a no-op UPDATE takes the database write lock first (other writers wait, within the busy
    timeout), which serialises the count and the insert the same way.
    """
    pairs = sorted(set(slots))
    if not pairs:
        return {}
    unit_ids = sorted({unit_id for unit_id, _ in pairs})
    if db.session.get_bind().dialect.name == "sqlite":  # the lock and the capacities in one statement
        return dict(db.session.execute(
            update(Unit).where(Unit.id.in_(unit_ids)).values(capacity=Unit.capacity)
            .returning(Unit.id, Unit.capacity).execution_options(synchronize_session=False)).all())
    found = dict(db.session.execute(select(Unit.id, Unit.capacity).where(Unit.id.in_(unit_ids)).order_by(Unit.id)
                                    .with_for_update(read=True)).all())
    for unit_id, day in pairs:
        db.session.execute(select(func.pg_advisory_xact_lock(unit_id, day.toordinal())))
    return found


def apply_change(agenda: ChildAgenda, unit: Unit, day: dt.date, want: bool, now: dt.datetime, *,
                 actor_id: int | None, via: str = "portal", reason: str = "", by_agent: bool = False,
                 confirmed: bool = True, capacities: dict[int, int | None] | None = None) -> Outcome:
    """Decide and apply one change (flush, no commit), against the stored state of the child's day. Unless
    `confirmed`, a family giving up a place others want is asked first (rules.confirmation): outcome "confirm".
    `capacities`: what `_lock_slots` returned when the caller holds the slot's capacity lock already (apply_batch)."""
    child_id = agenda.child.id
    if unit.capacity is not None and capacities is None:
        capacities = _lock_slots([(unit.id, day)])
    capacity = capacities.get(unit.id, unit.capacity) if capacities else unit.capacity
    day_rows = db.session.execute(
        select(Reservation).where(Reservation.child_id == child_id, Reservation.date == day)
    ).scalars().all()
    current = next((r for r in day_rows if r.unit_id == unit.id), None)
    held = {r.unit_id for r in day_rows if r.state in rules.TAKEN_STATES}
    held_after = (held | {unit.id}) if want else (held - {unit.id})
    taken = waiting = 0
    if capacity is not None and want:
        taken = db.session.scalar(
            select(func.count()).select_from(Reservation).where(
                Reservation.unit_id == unit.id, Reservation.date == day,
                Reservation.state.in_(rules.TAKEN_STATES), Reservation.child_id != child_id)
        )
    elif (capacity is not None and not (want or confirmed or by_agent) and current is not None
          and current.state in rules.TAKEN_STATES):
        taken, waiting = _others_on(unit.id, day, child_id)
    day_units = [u for u in agenda.units.values() if u.activity_id == unit.activity_id]
    change = rules.Change(
        want=want, current=current.state if current else None, day=day, now=now,
        enrolled=agenda.enrolled(unit, day), status=agenda.status(unit, day),
        booking_deadline=agenda.booking_deadline(unit, day), cancel_deadline=agenda.cancel_deadline(unit, day),
        capacity=capacity, taken=taken,
        dependency_ok=rules.dependency_satisfied(unit, held_after),
        blocking_dependents=() if want else rules.dependents_blocking_cancel(unit, day_units, held_after),
        by_agent=by_agent, waiting=waiting, confirmed=confirmed,
    )
    decision = rules.decide(change)
    outcome = Outcome(unit, day, decision, reservation=current)
    if capacity is not None and want:  # the others' places were counted under the lock: the slot's total
        final = decision.after if decision.changed else (current.state if current else None)
        outcome.taken = taken + (final in rules.TAKEN_STATES)
    if not decision.changed:
        if current is not None and current.state == "waiting":
            outcome.position = waiting_positions([current]).get((unit.id, day))
        return outcome
    if decision.after is None:
        db.session.delete(current)
        outcome.reservation = None
    elif current is None:
        current = Reservation(child_id=child_id, unit_id=unit.id, date=day, state=decision.after, requested_at=now)
        db.session.add(current)
        outcome.reservation = current
    else:
        current.state = decision.after
    record(child_id, unit.id, day, decision.before, decision.after, now, actor_id, via, reason)
    db.session.flush()
    if decision.after == "waiting":
        outcome.position = waiting_positions([current]).get((unit.id, day))
    if decision.before in rules.TAKEN_STATES and decision.after not in rules.TAKEN_STATES:
        drop_orphan_waits(agenda, unit, day, held_after, now)
        if capacity is not None:
            outcome.promoted = promote_waiting(unit, day, now, agenda.calendar, capacity=capacity)
    return outcome


def _others_on(unit_id: int, day: dt.date, child_id: int) -> tuple[int, int]:
    """(places held, waiting-list entries) of the other children for one unit and day, in one grouped query."""
    rows = db.session.execute(
        select(Reservation.state, func.count()).where(
            Reservation.unit_id == unit_id, Reservation.date == day, Reservation.child_id != child_id)
        .group_by(Reservation.state)
    ).all()
    return (sum(n for state, n in rows if state in rules.TAKEN_STATES),
            sum(n for state, n in rows if state == "waiting"))


def drop_orphan_waits(agenda: ChildAgenda, unit: Unit, day: dt.date, held_after: set[int], now: dt.datetime) -> None:
    """A half-day given up takes with it the child's waiting-list entries (a meal) that needed it and have no
    other required half-day left: promoted later, they would break the dependency rule."""
    dependents = [u.id for u in agenda.units.values() if unit.id in u.required_unit_ids]
    if not dependents:
        return
    rows = db.session.execute(
        select(Reservation).where(Reservation.child_id == agenda.child.id, Reservation.date == day,
                                  Reservation.unit_id.in_(dependents), Reservation.state == "waiting")
    ).scalars().all()
    for row in rows:
        if not rules.dependency_satisfied(agenda.units[row.unit_id], held_after):
            record(row.child_id, row.unit_id, day, "waiting", None, now, None, "system",
                   "Demi-journée annulée : retiré de la liste d'attente")
            db.session.delete(row)
    db.session.flush()


def record(child_id, unit_id, day, before, after, now, actor_id, via, reason="") -> None:
    """One line of the audit trail (who, when, before/after, channel)."""
    db.session.add(ReservationChange(child_id=child_id, unit_id=unit_id, date=day, before=before, after=after,
                                     actor_id=actor_id, via=via, reason=reason[:300], at=now))


def promote_waiting(unit: Unit, day: dt.date, now: dt.datetime, calendar: rules.CommuneCalendar, *,
                    actor_id: int | None = None, capacity: int | None = None,
                    reason: str = "Place libérée : inscription depuis la liste d'attente") -> list[Reservation]:
    """Give freed places to the waiting list, first come first served (caller sends the e-mails). `capacity`: the
    unit's capacity read under the lock (else the unit's own).

    Only while the promoted family could still cancel (before the cancellation deadline, never once the day has
    started): a place confirmed later could not be refused and would be billed. An entry whose required half-day
    is not held that day is skipped (it stays waiting)."""
    if now >= rules.promotion_deadline(day, rules.deadline(unit.activity.cancel_policy, day, calendar)):
        return []
    rows = db.session.execute(
        select(Reservation).where(Reservation.unit_id == unit.id, Reservation.date == day)
    ).scalars().all()
    waiting = [r for r in rows if r.state == "waiting"]
    if unit.required_unit_ids and waiting:
        held = db.session.execute(
            select(Reservation.child_id, Reservation.unit_id).where(
                Reservation.child_id.in_([r.child_id for r in waiting]), Reservation.date == day,
                Reservation.unit_id.in_(unit.required_unit_ids), Reservation.state.in_(rules.TAKEN_STATES))
        ).all()
        holders = {child_id for child_id, _ in held}
        waiting = [r for r in waiting if r.child_id in holders]
    promoted = rules.next_to_promote(waiting, unit.capacity if capacity is None else capacity,
                                     rules.count_taken(rows))
    for entry in promoted:
        entry.state = "reserved"
        record(entry.child_id, unit.id, day, "waiting", "reserved", now, actor_id, "system", reason)
    db.session.flush()
    return promoted


def apply_batch(agenda: ChildAgenda, wanted: dict[tuple[int, dt.date], bool], now: dt.datetime, *,
                actor_id: int | None, via: str = "portal", reason: str = "", by_agent: bool = False,
                confirmed: bool = True) -> list[Outcome]:
    """Apply several wanted states, (unit id, day) -> bool, and commit once.

    Unless `confirmed`, a change that needs the family's answer first (outcome "confirm", see rules.confirmation)
    stops the whole batch: nothing is saved (rolled back) and the outcomes say what would have happened.

    Half-days are booked (and flushed) before the meals that need them and meals cancelled before their
    half-days, so a meal sees a half-day only if it was really booked. Unit ids that are not the child's are
    refused like a day the child is not enrolled for (unknown ids are ignored). A concurrent duplicate (double
    click in two tabs: unique constraint) is retried once against the new state, where it is a no-op replay.
    """

    def order(item):
        (unit_id, day), want = item
        unit = agenda.units.get(unit_id)
        needs = bool(unit and unit.required_unit_ids)
        return (day, needs if want else not needs, unit_id)

    capacity_slots = [(unit_id, day) for unit_id, day in wanted if unit_id in agenda.units
                      and agenda.units[unit_id].capacity is not None]
    for attempt in (1, 2):
        outcomes = []
        try:
            capacities = _lock_slots(capacity_slots)
            for (unit_id, day), want in sorted(wanted.items(), key=order):
                unit = agenda.units.get(unit_id)
                if unit is None:
                    other = db.session.get(Unit, unit_id)
                    if other is not None:
                        outcomes.append(Outcome(other, day, rules.Decision(
                            "refused", None, None, rules.Refusal("not_enrolled"))))
                    continue
                outcomes.append(apply_change(agenda, unit, day, want, now, actor_id=actor_id, via=via,
                                             reason=reason, by_agent=by_agent, confirmed=confirmed,
                                             capacities=capacities))
            if any(o.decision.outcome == "confirm" for o in outcomes) and any(o.decision.changed for o in outcomes):
                db.session.rollback()
                return outcomes
            # Keep the loaded agenda usable after the commit (the toggle answer is built from it): our own writes
            # are in the identity map, and counts are queried afresh anyway.
            session = db.session()
            session.expire_on_commit = False
            try:
                session.commit()
            finally:
                session.expire_on_commit = True
            return outcomes
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- changes made by the service Enfance


def cancel_reservations(rows: list[Reservation], now: dt.datetime, reason: str, *,
                        actor_id: int | None) -> list[tuple[Person, Outcome]]:
    """Cancel these reservations and waiting-list entries with an agent's rights (a closure, a day removed from an
    activity), through apply_change: audit trail via "system" with `actor_id`, promotions as usual. Flush only.

    Waiting-list entries go first, so no place freed here is handed to a waiting list about to be cancelled too,
    and a child's meals before the half-days they need. Returns the cancellations with the child of each."""
    rows = sorted(rows, key=lambda r: (r.state != "waiting", not r.unit.required_unit_ids, r.child_id, r.date,
                                       r.unit_id))
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for row in rows:
        first, last = spans.get(row.child_id, (row.date, row.date))
        spans[row.child_id] = (min(first, row.date), max(last, row.date))
    targets = [(row.unit, row.child_id, row.date) for row in rows]  # read before any row is deleted
    # Every capacity slot at once and in order, as a family's batch does: taken one by one in the order above, a
    # closure and a family booking two units of that day could each hold the slot the other waits for.
    capacities = _lock_slots([(unit.id, day) for unit, _, day in targets if unit.capacity is not None])
    agendas: dict[int, ChildAgenda] = {}
    cancelled = []
    for unit, child_id, day in targets:
        if child_id not in agendas:
            agendas[child_id] = load_agenda(db.session.get(Person, child_id), *spans[child_id])
        outcome = apply_change(agendas[child_id], unit, day, False, now, actor_id=actor_id, via="system",
                               reason=reason, by_agent=True, capacities=capacities)
        if outcome.decision.changed:
            cancelled.append((agendas[child_id].child, outcome))
    return cancelled


def reservations_on(day: dt.date, activity_id: int | None) -> list[Reservation]:
    """Every reservation and waiting-list entry of `day`: of one activity, or of all (activity_id None)."""
    stmt = (select(Reservation).join(Reservation.unit).options(contains_eager(Reservation.unit))
            .where(Reservation.date == day))
    if activity_id is not None:
        stmt = stmt.where(Unit.activity_id == activity_id)
    return list(db.session.execute(stmt).scalars().all())


def promote_after_raise(unit: Unit, now: dt.datetime, *, actor_id: int | None, reason: str) -> list[Outcome]:
    """Places added to a unit go to its waiting lists from today on, first come first served, under the same
    conditions as a freed place (promote_waiting: deadlines, half-day needed by a meal). Flush only."""
    today = now.astimezone(rules.PARIS).date()
    days = db.session.execute(select(Reservation.date).where(
        Reservation.unit_id == unit.id, Reservation.state == "waiting", Reservation.date >= today).distinct()
    ).scalars().all()
    calendar = calendar_for(commune(), range(today.year - 1, today.year + 3))
    outcomes = []
    for day in sorted(days):
        promoted = promote_waiting(unit, day, now, calendar, actor_id=actor_id, reason=reason)
        if promoted:
            outcomes.append(Outcome(unit, day, rules.Decision("unchanged", None, None), promoted=promoted))
    return outcomes
