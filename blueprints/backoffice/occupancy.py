"""Back office: occupancy of an activity per day and unit (places held, places left, waiting list), the names
behind each figure (booked children, waiting list in arrival order), and both as CSV for a spreadsheet.

The pages print on A4 (site.css, @media print). CSV files are UTF-8 with a BOM (Excel reads the accents), `;`
separated (French Excel), with French headers; a cell that a spreadsheet would read as a formula is quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from flask import abort, make_response, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

import clock
from blueprints import edge
from blueprints.backoffice import bp
from blueprints.backoffice.activities import get_activity_or_404
from blueprints.htmx import render
from blueprints.reservations import history, rules, service, wording
from blueprints.reservations import month as month_view
from models import Activity, Closure, Person, Reservation, School, Unit, db


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
    """Occupation: per open day and unit, places held, places left and waiting list, for one month; each row
    links to the names."""
    activity = get_activity_or_404(activity_id)
    start, end = month_view.month_bounds(ym.year, ym.month)
    rows, stray = occupancy_rows(activity, start, end)
    return render("backoffice/occupancy.html", activity=activity, rows=rows, stray=stray, first_day=start,
                  last_day=end, prev=month_view.shift_month(start, -1), next=month_view.shift_month(start, 1),
                  format_date=wording.format_date)


# --------------------------------------------------------------------------- CSV


def _cell(value) -> str:
    """A value as a spreadsheet cell; text a spreadsheet would run as a formula (=, +, -, @) is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list[str], rows) -> object:
    """A CSV download: UTF-8 with BOM, `;` separated, CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    response = make_response("\ufeff" + out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "activite"


def _places(row: OccupancyRow):
    return _("illimité") if row.unit.capacity is None else row.unit.capacity


@bp.route("/activites/<int:activity_id>/occupation/<month:ym>.csv")
def occupancy_csv(activity_id: int, ym: dt.date):
    """The month's occupancy as a CSV file (one line per open day and unit, then the days without service)."""
    activity = get_activity_or_404(activity_id)
    start, end = month_view.month_bounds(ym.year, ym.month)
    rows, stray = occupancy_rows(activity, start, end)
    lines = [[f"{r.day:%d/%m/%Y}", wording.weekday_name(r.day.weekday()), r.unit.label, _places(r), r.booked,
              _("illimité") if r.free is None else r.free, r.waiting, ""] for r in rows]
    lines += [[f"{r.day:%d/%m/%Y}", wording.weekday_name(r.day.weekday()), r.unit.label, _places(r), r.booked, "",
               r.waiting, _("jour sans accueil")] for r in stray]
    return csv_response(f"occupation-{_slug(activity.code)}-{ym:%Y-%m}.csv",
                        [_("Date"), _("Jour"), _("Créneau"), _("Places"), _("Réservés"), _("Places libres"),
                         _("Liste d'attente"), _("Remarque")], lines)


# --------------------------------------------------------------------------- names of a day and unit


@dataclass(frozen=True)
class NameRow:
    """A child on the list of a day and unit: booked (state reserved, absent, justified) or waiting (rank)."""

    child_id: int
    family_id: int
    first_name: str
    last_name: str
    class_name: str
    school: str
    state: str
    requested_at: dt.datetime
    rank: int | None = None

    @property
    def state_text(self) -> str:
        return str(history.STATE_WORDS.get(self.state, self.state))


def day_names(unit: Unit, day: dt.date) -> tuple[list[NameRow], list[NameRow]]:
    """(booked children by name, waiting list in arrival order with ranks), from one query."""
    rows = db.session.execute(
        select(Reservation.child_id, Reservation.state, Reservation.requested_at, Reservation.id, Person.family_id,
               Person.first_name, Person.last_name, Person.class_name, School.name)
        .join(Person, Person.id == Reservation.child_id).outerjoin(School, School.id == Person.school_id)
        .where(Reservation.unit_id == unit.id, Reservation.date == day)
    ).all()

    def name_row(r, rank=None) -> NameRow:
        return NameRow(r.child_id, r.family_id, r.first_name, r.last_name, r.class_name or "", r.name or "",
                       r.state, r.requested_at, rank)

    booked = sorted((name_row(r) for r in rows if r.state != "waiting"),
                    key=lambda n: (n.last_name.lower(), n.first_name.lower(), n.child_id))
    queue = sorted((r for r in rows if r.state == "waiting"), key=lambda r: (r.requested_at, r.id))
    return booked, [name_row(r, rank) for rank, r in enumerate(queue, start=1)]


def parse_day(value: str) -> dt.date:
    """"2026-11-23" from the URL, or 404."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        abort(404)
    if not edge.supported_day(day) or len(value) != 10:
        abort(404)
    return day


def get_unit_or_404(activity: Activity, unit_id: int) -> Unit:
    unit = next((u for u in activity.units if u.id == unit_id), None)
    if unit is None:
        abort(404)
    return unit


def day_status(activity: Activity, unit: Unit, day: dt.date):
    """Whether the unit runs that day (rules.day_status), to say so above a list of a closed day."""
    closures = db.session.execute(select(Closure).where(
        Closure.date == day, or_(Closure.activity_id == activity.id, Closure.activity_id.is_(None)))).scalars().all()
    calendar = service.calendar_for(service.commune(), range(day.year - 1, day.year + 2))
    return rules.day_status(unit, activity, activity.periods, closures, calendar, day)


@bp.route("/activites/<int:activity_id>/occupation/<day>/<int:unit_id>")
def occupancy_day(activity_id: int, day: str, unit_id: int):
    """Liste des enfants: who is booked (with absences) and who waits (rank, time of the request) for one unit
    on one day; printable, with its CSV and its history."""
    activity = get_activity_or_404(activity_id)
    unit, when = get_unit_or_404(activity, unit_id), parse_day(day)
    booked, waiting = day_names(unit, when)
    status = day_status(activity, unit, when)
    return render("backoffice/occupancy_day.html", activity=activity, unit=unit, day=when, booked=booked,
                  waiting=waiting, closed=None if status else wording.closed_text(status),
                  absent=sum(1 for n in booked if n.state != "reserved"), format_date=wording.format_date,
                  format_moment=wording.format_moment)


@bp.route("/activites/<int:activity_id>/occupation/<day>/<int:unit_id>.csv")
def occupancy_day_csv(activity_id: int, day: str, unit_id: int):
    """The list of a day and unit as a CSV file: the booked children, then the waiting list in order."""
    activity = get_activity_or_404(activity_id)
    unit, when = get_unit_or_404(activity, unit_id), parse_day(day)
    booked, waiting = day_names(unit, when)
    lines = [[n.last_name, n.first_name, n.class_name, n.school, n.state_text, n.rank or "",
              f"{n.requested_at.astimezone(rules.PARIS):%d/%m/%Y %H:%M}" if n.rank else ""] for n in booked + waiting]
    return csv_response(f"liste-{_slug(activity.code)}-{when.isoformat()}-{_slug(unit.label)}.csv",
                        [_("Nom"), _("Prénom"), _("Classe"), _("École"), _("État"), _("Rang en liste d'attente"),
                         _("Demande faite le")], lines)
