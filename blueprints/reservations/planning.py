"""The family planning: every child of the logged-in family, one week (table) or one month (list), read-only.

The reservations of all the children over the range come from one query (`family_bookings`), whatever the number
of children and days; the feed (feeds.py) reuses the same words ("Repas (absence signalée)").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints import edge
from blueprints.family.access import require_parent
from blueprints.htmx import render
from blueprints.reservations import rules, service
from blueprints.reservations.agenda import local_today, parse_month, shift_month
from blueprints.reservations.month import month_bounds
from models import Activity, Closure, Person, Reservation, Unit, db

bp = Blueprint("planning", __name__)

ISO_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})", re.ASCII)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
CLOSED_DAY = ("public_holiday", "closure")  # rules.Closed reasons that close a day a unit would otherwise run


bp.before_request(require_parent)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Booked:
    """One reserved, waiting or absent slot of a child on a day."""

    label: str
    state: str

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
        found[(child_id, day)].append(Booked(unit.label, state))
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


@dataclass
class PlanningDay:
    """One day of the planning: a note (public holiday, closure, school holidays) and each child's slots."""

    day: dt.date
    note: str = ""
    cells: list[tuple[Person, list[Booked]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(booked for _child, booked in self.cells)

    @property
    def key(self) -> str:
        return self.day.isoformat()


def family_children() -> list[Person]:
    """The logged-in family's children, in the dashboard's order (eldest first)."""
    children = db.session.execute(
        select(Person).where(Person.family_id == current_user.family_id, Person.role == "child")
    ).scalars().all()
    return sorted(children, key=lambda p: (p.birth_date or dt.date.min, p.id))


def day_notes(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """What the commune calendar says about each day: public holiday, closure of every activity, school holidays."""
    calendar = service.calendar_for(service.commune(), range(start.year, end.year + 1))
    closures = db.session.execute(
        select(Closure).where(Closure.activity_id.is_(None), Closure.date.between(start, end))
    ).scalars().all()
    closed = {c.date: c.reason for c in closures}
    notes, day = {}, start
    while day <= end:
        holiday, school = calendar.public_holiday_name(day), calendar.school_holiday_name(day)
        if holiday:
            notes[day] = _("Jour férié : %(name)s", name=holiday)
        elif day in closed:
            notes[day] = closed[day] or _("Fermeture exceptionnelle")
        elif school and day.weekday() < 5:
            notes[day] = school
        day += rules.ONE_DAY
    return notes


def build_days(children: list[Person], start: dt.date, end: dt.date) -> list[PlanningDay]:
    """Monday to Friday of [start, end], plus a weekend day when a child has something booked on it."""
    bookings = family_bookings([c.id for c in children], start, end)
    notes = day_notes(start, end)
    days, day = [], start
    while day <= end:
        cells = [(child, bookings.get((child.id, day), [])) for child in children]
        if day.weekday() < 5 or any(booked for _c, booked in cells):
            days.append(PlanningDay(day, notes.get(day, ""), cells))
        day += rules.ONE_DAY
    return days


def long_date(day: dt.date) -> str:
    """ "lundi 16 novembre 2026" """
    return f"{rules.format_date(day)} {day.year}"


# --------------------------------------------------------------------------- views


def parse_week(value: str) -> dt.date:
    """The Monday of "2026-W47" or of "2026-11-16" (any day of the week is accepted); else 404."""
    iso = ISO_WEEK.fullmatch(value)
    if iso is None and ISO_DATE.fullmatch(value) is None:
        abort(404)
    try:
        day = dt.date.fromisocalendar(int(iso[1]), int(iso[2]), 1) if iso else dt.date.fromisoformat(value)
    except ValueError:
        abort(404)
    if not edge.supported_day(day):
        abort(404)
    return day - dt.timedelta(days=day.weekday())


def agenda_links(children: list[Person], day: dt.date) -> list[tuple[str, str]]:
    """(url, text) of each child's agenda for the month of `day`."""
    return [(url_for("reservations.month", child_id=c.id, ym=f"{day:%Y-%m}"),
             _("Agenda de %(name)s", name=c.first_name)) for c in children]


@bp.route("/planning", defaults={"value": None})
@bp.route("/planning/semaine/<value>")
def week(value: str | None):
    """Planning de la famille, one week: a table with a row per day and a column per child."""
    today = local_today()
    monday = parse_week(value) if value else today - dt.timedelta(days=today.weekday())
    if value and ISO_WEEK.fullmatch(value) is None and value != monday.isoformat():
        return redirect(url_for(".week", value=monday.isoformat()))
    children = family_children()
    return render(
        "reservations/planning.html", view="week", children=children, today=today, monday=monday,
        days=build_days(children, monday, monday + dt.timedelta(days=6)),
        prev=monday - dt.timedelta(days=7), next=monday + dt.timedelta(days=7),
        this_week=today - dt.timedelta(days=today.weekday()), month_start=monday.replace(day=1),
        agenda_links=agenda_links(children, monday), long_date=long_date,
    )


@bp.route("/planning/mois/<ym>")
def month(ym: str):
    """Planning de la famille, one month: a list of days, grouped by week, each child's slots in words."""
    year, mon = parse_month(ym)
    start, end = month_bounds(year, mon)
    today = local_today()
    children = family_children()
    days = build_days(children, start, end)
    weeks: dict[dt.date, list[PlanningDay]] = {}
    for day in days:
        weeks.setdefault(day.day - dt.timedelta(days=day.day.weekday()), []).append(day)
    return render(
        "reservations/planning.html", view="month", children=children, today=today, month_start=start,
        weeks=list(weeks.items()), prev=dt.date(*shift_month(year, mon, -1), 1),
        next=dt.date(*shift_month(year, mon, 1), 1), this_month=today.replace(day=1),
        this_week=today - dt.timedelta(days=today.weekday()),
        agenda_links=agenda_links(children, start), long_date=long_date,
    )
