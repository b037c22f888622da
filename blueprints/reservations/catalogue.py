"""The activities as the rules read them, kept in memory: every activity with its units, deadline policies and
periods, and every closure, as frozen snapshots built once per process and configuration version
(models.config_key: any write to those tables bumps it, so an agent's change is seen by every process at its next
request). A toggle or a month page then asks the database only for the child's enrolments and reservations.

The snapshots carry the attribute names of the tables (`unit.activity.booking_policy.cutoff`, `period.start_date`),
so rules, templates and wording read them like rows. They are read-only: writers load the rows themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Activity, Closure, config_key, db


@dataclass(frozen=True)
class PolicySnapshot:
    id: int
    kind: str
    days: int
    weekday: int | None
    cutoff: dt.time


@dataclass(frozen=True)
class PeriodSnapshot:
    id: int
    activity_id: int
    name: str
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True, eq=False)
class ActivitySnapshot:
    id: int
    code: str
    name: str
    description: str
    calendar: str
    booking_policy: PolicySnapshot | None
    cancel_policy: PolicySnapshot | None
    absence_justification_hours: int | None
    position: int
    units: tuple = ()
    periods: tuple = ()


@dataclass(frozen=True, eq=False)
class UnitSnapshot:
    id: int
    activity_id: int
    slot: str
    label: str
    weekdays: str
    capacity: int | None
    requires_one_of: str
    position: int
    activity: ActivitySnapshot = field(repr=False, default=None)

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.weekdays if c.isdigit())

    @property
    def required_unit_ids(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.requires_one_of.split(",") if x.strip())


@dataclass(frozen=True)
class ClosureSnapshot:
    id: int
    activity_id: int | None
    date: dt.date
    reason: str


@dataclass(frozen=True)
class Catalogue:
    activities: dict[int, ActivitySnapshot]
    units: dict[int, UnitSnapshot]
    periods: dict[int, PeriodSnapshot]
    closures: tuple[ClosureSnapshot, ...]

    def closures_between(self, start: dt.date, end: dt.date) -> list[ClosureSnapshot]:
        return [c for c in self.closures if start <= c.date <= end]


_CACHE: dict[str, Catalogue] = {}


def _policy(row) -> PolicySnapshot | None:
    return None if row is None else PolicySnapshot(row.id, row.kind, row.days, row.weekday, row.cutoff)


def build() -> Catalogue:
    """Every activity (units, policies, periods) and every closure, in three queries."""
    rows = db.session.execute(select(Activity).options(
        selectinload(Activity.units), selectinload(Activity.periods), selectinload(Activity.booking_policy),
        selectinload(Activity.cancel_policy))).scalars().all()
    activities, units, periods = {}, {}, {}
    for row in rows:
        activity = ActivitySnapshot(row.id, row.code, row.name, row.description or "", row.calendar,
                                    _policy(row.booking_policy), _policy(row.cancel_policy),
                                    row.absence_justification_hours, row.position or 0)
        own_units = tuple(UnitSnapshot(u.id, u.activity_id, u.slot, u.label, u.weekdays, u.capacity,
                                       u.requires_one_of or "", u.position or 0, activity) for u in row.units)
        own_periods = tuple(PeriodSnapshot(p.id, p.activity_id, p.name, p.start_date, p.end_date)
                            for p in row.periods)
        object.__setattr__(activity, "units", own_units)
        object.__setattr__(activity, "periods", own_periods)
        activities[activity.id] = activity
        units.update((u.id, u) for u in own_units)
        periods.update((p.id, p) for p in own_periods)
    closures = tuple(ClosureSnapshot(c.id, c.activity_id, c.date, c.reason or "")
                     for c in db.session.execute(select(Closure).order_by(Closure.date, Closure.id)).scalars())
    return Catalogue(activities, units, periods, closures)


def current() -> Catalogue:
    """The catalogue of the configuration version this request reads (built again after any change)."""
    from flask import g, has_app_context

    if has_app_context() and "catalogue" in g:
        return g.catalogue
    key = config_key()
    catalogue = _CACHE.get(key) if key is not None else None
    if catalogue is None:
        catalogue = build()
        if key is not None:
            _CACHE.clear()
            _CACHE[key] = catalogue
    if has_app_context():
        g.catalogue = catalogue
    return catalogue
