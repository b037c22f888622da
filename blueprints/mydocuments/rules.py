"""Mes documents, pure: the period an attestation de présence covers (a month, a school year, a civil year) and its
problems, and the days a child attended each unit in it (pointage marks first, past bookings where nothing was
marked). Standard library only; `today` is given."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

PERIOD_KINDS = ("mois", "scolaire", "civile")  # the values of the form's "periode" (French: they are in the URL)
FIRST_YEAR = 2000  # as blueprints/edge: no page handles dates before


@dataclass(frozen=True)
class Period:
    kind: str  # one of PERIOD_KINDS
    start: dt.date
    end: dt.date


def period_of(kind: str, year: int, month: int | None = None) -> Period:
    """The days a period covers: the month `month` of `year`, the school year starting in September of `year`
    (to 31 August of the next), or the civil year `year`."""
    if kind == "mois":
        return Period(kind, dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
    if kind == "scolaire":
        return Period(kind, dt.date(year, 9, 1), dt.date(year + 1, 8, 31))
    if kind == "civile":
        return Period(kind, dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise ValueError(kind)


def period_problem(kind: str, year: int | None, month: int | None, today: dt.date) -> tuple[str, str] | None:
    """(field, code) of what is wrong with the chosen period, None when it can be attested: a known kind, a year
    from FIRST_YEAR, a month for a month, and a period that has begun by `today`."""
    if kind not in PERIOD_KINDS:
        return ("periode", "kind")
    if year is None:
        return ("annee", "year_missing")
    if today.year < year <= today.year + 10:
        return ("annee", "future")
    if not FIRST_YEAR <= year <= today.year:
        return ("annee", "year_range")
    if kind == "mois":
        if month is None:
            return ("mois", "month_missing")
        if not 1 <= month <= 12:
            return ("mois", "month_range")
    if period_of(kind, year, month).start > today:
        return ("mois" if kind == "mois" else "annee", "future")
    return None


@dataclass(frozen=True)
class Mark:
    """A pointage mark (schema Attendance): "present" or "absent"."""
    unit_id: int
    day: dt.date
    status: str


@dataclass(frozen=True)
class Booking:
    """A reservation: state "reserved", "waiting", "absent" or "justified"."""
    unit_id: int
    day: dt.date
    state: str


def attended_days(marks, bookings, start: dt.date, end: dt.date, today: dt.date) -> dict[int, list[dt.date]]:
    """{unit id: the days from `start` to `end` the child attended, in order}. A day with a mark is what the mark
    says (present counts, absent does not, whatever was booked); a day without one counts when a booking "reserved"
    is on a past day (before `today`: today is not over). Absences (signalled or justified), waiting lists and days to
    come never count."""
    marked = {(m.unit_id, m.day): m.status for m in marks if start <= m.day <= end and m.day <= today}
    days: dict[int, set[dt.date]] = defaultdict(set)
    for (unit_id, day), status in marked.items():
        if status == "present":
            days[unit_id].add(day)
    for b in bookings:
        if (start <= b.day <= end and b.day < today and b.state == "reserved"
                and (b.unit_id, b.day) not in marked):
            days[b.unit_id].add(b.day)
    return {unit_id: sorted(found) for unit_id, found in days.items() if found}


@dataclass(frozen=True)
class UnitInfo:
    """What the attestation says of a unit (from the activities' catalogue)."""
    unit_id: int
    label: str
    position: int
    activity_id: int
    activity_name: str
    activity_position: int


@dataclass(frozen=True)
class MonthRow:
    month: dt.date  # its first day
    days: tuple[tuple[dt.date, ...], ...]  # per unit of the activity, in the activity's unit order


@dataclass(frozen=True)
class ActivityPresence:
    name: str
    units: tuple[str, ...]  # labels
    months: tuple[MonthRow, ...]
    unit_totals: tuple[int, ...]
    total_days: int  # distinct days at the activity, whatever the unit


def presence_by_activity(attended: dict[int, list[dt.date]], units: dict[int, UnitInfo]) -> list[ActivityPresence]:
    """The attended days as the attestation shows them: per activity (in the catalogue's order), its units, month by
    month, with each unit's total and the activity's distinct days. Units unknown to `units` are left out."""
    grouped: dict[int, list[UnitInfo]] = defaultdict(list)
    for unit_id in attended:
        if unit_id in units:
            grouped[units[unit_id].activity_id].append(units[unit_id])
    result = []
    for own in sorted(grouped.values(), key=lambda us: (us[0].activity_position, us[0].activity_name)):
        own.sort(key=lambda u: (u.position, u.unit_id))
        per_unit = [attended[u.unit_id] for u in own]
        months = sorted({d.replace(day=1) for days in per_unit for d in days})
        rows = tuple(MonthRow(m, tuple(tuple(d for d in days if d.replace(day=1) == m) for days in per_unit))
                     for m in months)
        result.append(ActivityPresence(own[0].activity_name, tuple(u.label for u in own), rows,
                                       tuple(len(days) for days in per_unit),
                                       len({d for days in per_unit for d in days})))
    return result
