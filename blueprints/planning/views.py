"""The family planning: every child of the logged-in family, one week (table) or one month (list), read-only.

The reservations of all the children over the range come from one query (`family_bookings`), whatever the number
of children and days; the feed (feeds.py) reuses the same words ("Repas (absence signalée)").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask import abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import clock
from blueprints import edge
from blueprints.htmx import render
from blueprints.menus import service as menus
from blueprints.menus import wording as menu_wording
from blueprints.planning import bp
from blueprints.planning.data import Booked, family_bookings
from blueprints.reservations import rules, service, wording
from blueprints.reservations.month import month_bounds, shift_month
from models import Closure, Person, db

ISO_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})", re.ASCII)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

@dataclass
class PlanningDay:
    """One day of the planning: a note (public holiday, closure, school holidays) and each child's slots."""

    day: dt.date
    note: str = ""
    cells: list[tuple[Person, list[Booked]]] = field(default_factory=list)
    warnings: dict[int, str] = field(default_factory=dict)  # child id -> "Menu du jour : contient arachide"

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
    allergens = menus.menu_warnings(children, start, end)
    days, day = [], start
    while day <= end:
        cells = [(child, bookings.get((child.id, day), [])) for child in children]
        if day.weekday() < 5 or any(booked for _c, booked in cells):
            warnings = {child.id: menu_wording.warning(allergens[(child.id, day)]) for child, booked in cells
                        if (child.id, day) in allergens and any(b.slot == "meal" and b.state == "reserved"
                                                                 for b in booked)}
            days.append(PlanningDay(day, notes.get(day, ""), cells, warnings))
        day += rules.ONE_DAY
    return days


long_date = wording.format_long_date


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
    return [(url_for("reservations.month", child_id=c.id, ym=day),
             _("Agenda de %(name)s", name=c.first_name)) for c in children]


@bp.route("/planning", defaults={"value": None})
@bp.route("/planning/semaine/<value>")
def week(value: str | None):
    """Planning de la famille, one week: a table with a row per day and a column per child."""
    today = clock.today()
    monday = parse_week(value) if value else today - dt.timedelta(days=today.weekday())
    if value and ISO_WEEK.fullmatch(value) is None and value != monday.isoformat():
        return redirect(url_for(".week", value=monday.isoformat()))
    children = family_children()
    shown = week_month(monday, today)
    return render(
        "reservations/planning.html", view="week", children=children, today=today, monday=monday,
        days=build_days(children, monday, monday + dt.timedelta(days=6)),
        prev=monday - dt.timedelta(days=7), next=monday + dt.timedelta(days=7),
        this_week=today - dt.timedelta(days=today.weekday()), month_start=shown,
        agenda_links=agenda_links(children, shown), long_date=long_date,
    )


def week_month(monday: dt.date, today: dt.date) -> dt.date:
    """The month a week's links lead to: today's for the current week (a week that starts on 30 November still
    offers December on 3 December), else the month holding most of the week (its Thursday's)."""
    day = today if monday <= today < monday + dt.timedelta(days=7) else monday + dt.timedelta(days=3)
    return day.replace(day=1)


@bp.route("/planning/mois/<month:ym>")
def month(ym: dt.date):
    """Planning de la famille, one month: a list of days, grouped by week, each child's slots in words."""
    start, end = month_bounds(ym.year, ym.month)
    today = clock.today()
    children = family_children()
    days = build_days(children, start, end)
    weeks: dict[dt.date, list[PlanningDay]] = {}
    for day in days:
        weeks.setdefault(day.day - dt.timedelta(days=day.day.weekday()), []).append(day)
    return render(
        "reservations/planning.html", view="month", children=children, today=today, month_start=start,
        weeks=list(weeks.items()), prev=shift_month(start, -1),
        next=shift_month(start, 1), this_month=today.replace(day=1),
        this_week=today - dt.timedelta(days=today.weekday()),
        agenda_links=agenda_links(children, start), long_date=long_date,
    )
