"""Statistics of the service for a school year: bookings, estimated presences and absences (attendance rate:
reservations vs absences, until attendance is taken), and meals per site (school) and month. One grouped query;
the sums and rates are rules (blueprints/admin/rules.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import extract, func

from blueprints.admin import rules
from models import Activity, Person, Reservation, School, Unit, db


@dataclass
class Month:
    year: int
    month: int
    booked: int = 0
    present: int = 0  # reserved on a day that has passed (no absence recorded)
    absent: int = 0
    meals: int = 0  # meals booked and not cancelled by an absence
    meals_by_site: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self):
        return rules.attendance_rate(self.present, self.absent)


@dataclass
class YearStats:
    first: int
    months: list[Month]
    sites: list[str]
    by_activity: dict[str, list[int]]  # activity name -> bookings per month

    @property
    def totals(self) -> Month:
        total = Month(self.first, 0)
        for m in self.months:
            total.booked += m.booked
            total.present += m.present
            total.absent += m.absent
            total.meals += m.meals
        return total


NO_SITE = "Sans école"


def year_stats(first: int, today: dt.date) -> YearStats:
    """The figures of the school year starting in September of `first`; presences and absences count past days."""
    start, end = dt.date(first, 9, 1), dt.date(first + 1, 8, 31)
    year_col, month_col = extract("year", Reservation.date), extract("month", Reservation.date)
    past = Reservation.date < today
    rows = db.session.execute(
        db.select(year_col, month_col, School.name, Activity.name, Unit.slot, Reservation.state, past,
                  func.count())
        .join(Unit, Reservation.unit_id == Unit.id).join(Activity, Unit.activity_id == Activity.id)
        .join(Person, Reservation.child_id == Person.id).outerjoin(School, Person.school_id == School.id)
        .where(Reservation.date >= start, Reservation.date <= end, Reservation.state.in_(rules.TAKEN))
        .group_by(year_col, month_col, School.name, Activity.name, Unit.slot, Reservation.state, past)).all()
    months = {ym: Month(*ym) for ym in rules.school_year_months(first)}
    activities: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    sites = set()
    index = {ym: i for i, ym in enumerate(rules.school_year_months(first))}
    for year, month, site, activity, slot, state, is_past, count in rows:
        ym = (int(year), int(month))
        m = months[ym]
        m.booked += count
        activities[activity][index[ym]] += count
        if is_past:
            if state == "reserved":
                m.present += count
            else:
                m.absent += count
        if slot == "meal" and state == "reserved":
            site = site or NO_SITE
            sites.add(site)
            m.meals += count
            m.meals_by_site[site] = m.meals_by_site.get(site, 0) + count
    return YearStats(first, list(months.values()), sorted(sites), dict(sorted(activities.items())))
