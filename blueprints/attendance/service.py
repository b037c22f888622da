"""The pointage against the database: the list of a site, unit and day (booked children and marks), the marks
themselves (the one writer of Attendance), the day's totals, and the health flags an agent with the right sees.

Functions flush; the route commits once. Each list costs a constant number of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from blueprints.attendance import rules, wording
from blueprints.families import health
from models import Activity, Attendance, ChildHealth, Person, Reservation, School, Unit, User, db


@dataclass
class Row:
    """A child on the list: `booking` is the reservation's state (None: present without a booking), `mark` the
    agent's ("present", "absent" or None), `flags` the health notes (only for agents with the right)."""

    child_id: int
    first_name: str
    last_name: str
    class_name: str
    booking: str | None
    mark: str | None
    flags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def units_by_activity() -> list[tuple[Activity, list[Unit]]]:
    """Every activity with its units, in their order (the choices of the pointage)."""
    activities = db.session.execute(select(Activity).order_by(Activity.position, Activity.id)).scalars()
    return [(a, list(a.units)) for a in activities if a.units]


def get_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id)


def day_rows(school: School, unit: Unit, day: dt.date) -> list[Row]:
    """The list of `school` for `unit` on `day`: children booked (reserved, or an absence signalled), and children
    marked without a booking; sorted by last name, first name. Two queries."""
    booked = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.class_name, Reservation.state)
        .join(Reservation, Reservation.child_id == Person.id)
        .where(Reservation.unit_id == unit.id, Reservation.date == day, Person.school_id == school.id,
               Reservation.state.in_(rules.EXPECTED_STATES))
    ).all()
    marks = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.class_name, Attendance.status)
        .join(Attendance, Attendance.child_id == Person.id)
        .where(Attendance.unit_id == unit.id, Attendance.date == day, Person.school_id == school.id)
    ).all()
    by_child = {r.id: Row(r.id, r.first_name, r.last_name, r.class_name or "", r.state, None) for r in booked}
    for r in marks:
        row = by_child.setdefault(r.id, Row(r.id, r.first_name, r.last_name, r.class_name or "", None, None))
        row.mark = r.status
    return sorted(by_child.values(), key=lambda r: (rules.alphabetical(r.last_name), rules.alphabetical(r.first_name),
                                                   r.child_id))


def totals(rows: list[Row]) -> rules.Totals:
    """The day's totals of a list."""
    return rules.totals((r.child_id for r in rows if r.booking), {r.child_id: r.mark for r in rows if r.mark})


def add_health_flags(rows: list[Row], agent: User, now: dt.datetime, place: str) -> bool:
    """Put the PAI, allergies and diet of each child on its row when `agent` may read health data (each child
    whose data is shown is logged in HealthAccess); returns whether the agent may."""
    if not health.may_see_health(agent):
        return False
    files = health.health_for(r.child_id for r in rows)
    children = {}
    for row in rows:
        file: ChildHealth | None = files.get(row.child_id)
        if file is None:
            continue
        row.flags = flags_of(file)
        if row.flags:
            children[row.child_id] = row
    if children:
        people = db.session.execute(select(Person).where(Person.id.in_(list(children)))).scalars()
        for person in people:
            health.log_access(agent, person, place, now)
    return True


def flags_of(file: ChildHealth) -> list[str]:
    """The notes the person at the gate needs: PAI, allergies, diet."""
    return wording.health_flags(file.pai, file.allergies, file.diet)


def site_child(school: School, child_id: int) -> Person | None:
    """A child of `school`, or None (another site's child, a guardian, an unknown id)."""
    child = db.session.get(Person, child_id)
    if child is None or child.role != "child" or child.school_id != school.id:
        return None
    return child


def is_booked(child_id: int, unit: Unit, day: dt.date) -> bool:
    return db.session.execute(select(Reservation.id).where(
        Reservation.child_id == child_id, Reservation.unit_id == unit.id, Reservation.date == day,
        Reservation.state.in_(rules.EXPECTED_STATES))).first() is not None


def mark(child: Person, unit: Unit, day: dt.date, status: str, now: dt.datetime, *, actor_id: int | None) -> str | None:
    """Record that `child` was present or absent (idempotent: the same mark twice changes nothing, another one
    replaces it); returns the refusal code (rules.mark_problem) or None."""
    problem = rules.mark_problem(status, day, now.astimezone(rules.PARIS).date())
    if problem:
        return problem
    row = _attendance(child.id, unit.id, day)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(Attendance(child_id=child.id, unit_id=unit.id, date=day, status=status,
                                          booked=is_booked(child.id, unit, day), marked_at=now, marked_by_id=actor_id))
            return None
        except IntegrityError:  # the same mark sent twice at once (a retry after a lost answer): keep one row
            row = _attendance(child.id, unit.id, day)
    if row.status != status:
        row.status, row.marked_at, row.marked_by_id = status, now, actor_id
    db.session.flush()
    return None


def _attendance(child_id: int, unit_id: int, day: dt.date) -> Attendance | None:
    return db.session.execute(select(Attendance).where(
        Attendance.child_id == child_id, Attendance.unit_id == unit_id, Attendance.date == day)).scalar_one_or_none()


def addable_children(school: School, listed_ids: set[int]) -> list[Person]:
    """Children of `school` not on the list yet (to add one present without a booking), by name."""
    children = db.session.execute(
        select(Person).where(Person.school_id == school.id, Person.role == "child")).scalars()
    return sorted((c for c in children if c.id not in listed_ids),
                  key=lambda c: (rules.alphabetical(c.last_name), rules.alphabetical(c.first_name), c.id))
