"""Mes documents against the database: what a child attended in a period (two queries: marks and bookings, the units
from the activities' catalogue), the family file as the fiche famille shows it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.families import health
from blueprints.mydocuments import rules
from blueprints.reservations import catalogue
from models import Attendance, Family, Person, Reservation, db


def presence(child_id: int, period: rules.Period, today: dt.date) -> list[rules.ActivityPresence]:
    """The days `child_id` attended each activity in `period`, grouped for the attestation."""
    marks = [rules.Mark(*row) for row in db.session.execute(
        select(Attendance.unit_id, Attendance.date, Attendance.status).where(
            Attendance.child_id == child_id, Attendance.date.between(period.start, period.end)))]
    bookings = [rules.Booking(*row) for row in db.session.execute(
        select(Reservation.unit_id, Reservation.date, Reservation.state).where(
            Reservation.child_id == child_id, Reservation.date.between(period.start, period.end),
            Reservation.state == "reserved"))]
    attended = rules.attended_days(marks, bookings, period.start, period.end, today)
    known = catalogue.current()
    units = {u.id: rules.UnitInfo(u.id, u.label, u.position, u.activity_id, u.activity.name, u.activity.position)
             for u in known.units.values() if u.id in attended}
    return rules.presence_by_activity(attended, units)


def family_sheet(family_id: int, viewer) -> dict:
    """What the fiche famille shows: the file with its members and their schools, and each child's health file and
    authorisations when `viewer` may read them (families/health.py: a parent of the family always may)."""
    family = db.session.execute(select(Family).where(Family.id == family_id).options(
        selectinload(Family.members).joinedload(Person.school))).scalar_one()
    children = [c.id for c in family.children if health.may_see_child_health(viewer, c)]
    return {"family": family, "health": health.health_for(children), "show_health": set(children),
            "authorisations": health.authorisations_for(c.id for c in family.children)}
