"""Back office: occupancy of an activity per day and unit (places held, places left, waiting list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import redirect, url_for
from sqlalchemy import func, or_, select

import clock
from blueprints.backoffice import bp
from blueprints.backoffice.activities import get_activity_or_404
from blueprints.htmx import render
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service, wording
from models import Activity, Closure, Reservation, Unit, db


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
    return redirect(url_for(".occupancy", activity_id=activity_id, ym=clock.today()))


@bp.route("/activites/<int:activity_id>/occupation/<month:ym>")
def occupancy(activity_id: int, ym: dt.date):
    """Occupation: per open day and unit, places held, places left and waiting list, for one month."""
    activity = get_activity_or_404(activity_id)
    start, end = month_view.month_bounds(ym.year, ym.month)
    rows, stray = occupancy_rows(activity, start, end)
    return render("backoffice/occupancy.html", activity=activity, rows=rows, stray=stray, first_day=start,
                  prev=month_view.shift_month(start, -1), next=month_view.shift_month(start, 1),
                  format_date=wording.format_date)
