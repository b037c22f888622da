"""What a family has booked, as words: the reservations of several children over a range in one query, shared by
the family planning (views.py) and the calendar feeds (blueprints/feeds), so both say "Repas (absence signalée)"
the same way and hide the same closed days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.reservations import rules, service
from models import Activity, Closure, Reservation, Unit, db

CLOSED_DAY = ("public_holiday", "closure")  # rules.Closed reasons that close a day a unit would otherwise run


@dataclass(frozen=True)
class Booked:
    """One reserved, waiting or absent slot of a child on a day."""

    label: str
    state: str
    slot: str = ""  # morning | meal | afternoon (the unit's)

    @property
    def text(self) -> str:
        """The slot in words: "Repas", "Repas (liste d'attente)", "Repas (absence signalée)"."""
        if self.state == "waiting":
            return _("%(slot)s (liste d'attente)", slot=self.label)
        if self.state == "absent":
            return _("%(slot)s (absence signalée)", slot=self.label)
        if self.state == "justified":
            return _("%(slot)s (absence justifiée)", slot=self.label)
        return self.label


def slots_text(booked: list[Booked]) -> str:
    """A child's day in words: "Accueil du matin, Repas (absence signalée)"."""
    return ", ".join(b.text for b in booked)


def family_bookings(child_ids, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], list[Booked]]:
    """Every reservation of these children in [start, end], by (child id, day), slots in the day's order.

    A day the unit is closed (a closure, a public holiday: rules.day_status, as the agenda decides) is left out,
    so a booking left behind never shows as "Repas" on a closed day. A constant number of queries (the
    reservations joined to their unit and activity, the closures, the commune), so the page costs the same for
    an empty week and a full month.
    """
    if not child_ids:
        return {}
    rows = db.session.execute(
        select(Reservation.child_id, Reservation.date, Reservation.state, Unit, Activity)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .where(Reservation.child_id.in_(list(child_ids)), Reservation.date.between(start, end))
    ).all()
    runs = _runs_on(start, end)
    rows = sorted((r for r in rows if runs(r[3], r[4], r[1])),
                  key=lambda r: (r[1], r[0], rules.SLOT_ORDER.get(r[3].slot, 9), r[4].position, r[3].position, r[3].id))
    found: dict[tuple[int, dt.date], list[Booked]] = defaultdict(list)
    for child_id, day, state, unit, _activity in rows:
        found[(child_id, day)].append(Booked(unit.label, state, unit.slot))
    return dict(found)


def _runs_on(start: dt.date, end: dt.date):
    """runs(unit, activity, day): False on a day the unit is closed (a closure of its activity or of every
    activity, a public holiday), the days the agenda says "Fermé (…)". Closures and the calendar are read once.

    Other reasons a unit does not run (school holidays, weekday, outside the periods) do not hide a booking: the
    agent sees those in the occupancy page and sorts them out with the family."""
    closures = db.session.execute(select(Closure).where(Closure.date.between(start, end))).scalars().all()
    calendar = service.calendar_for(service.commune(), range(start.year - 1, end.year + 2))

    def runs(unit: Unit, activity: Activity, day: dt.date) -> bool:
        status = rules.day_status(unit, activity, (), closures, calendar, day)  # no periods: see above
        return bool(status) or status.reason_code not in CLOSED_DAY

    return runs
