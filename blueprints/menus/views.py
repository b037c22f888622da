"""Public routes of the menus: the schools, then a school's week (one table per day)."""

from __future__ import annotations

import datetime as dt

import clock
from blueprints.htmx import render
from blueprints.menus import bp, service, wording
from blueprints.menus.weeks import monday_or_404 as parse_monday
from blueprints.reservations.wording import format_date, format_long_date
from models import School, db

WEEKDAYS_SHOWN = 5  # Monday to Friday (a Saturday or Sunday with dishes is shown too)


@bp.route("/menus")
def index():
    """Menus de la restauration scolaire: one link per school to this week's menu."""
    today = clock.today()
    return render("menus/index.html", schools=service.schools(), monday=today - dt.timedelta(days=today.weekday()))


@bp.route("/menus/<int:school_id>", defaults={"monday": None})
@bp.route("/menus/<int:school_id>/semaine/<monday>")
def week(school_id: int, monday: str | None):
    """A school's menu for one week: each day's dishes with their allergens and labels."""
    school = db.get_or_404(School, school_id)
    today = clock.today()
    start = parse_monday(monday) if monday else today - dt.timedelta(days=today.weekday())
    end = start + dt.timedelta(days=6)
    by_day = service.dishes(school.id, start, end)
    days = [start + dt.timedelta(days=i) for i in range(7)
            if i < WEEKDAYS_SHOWN or (start + dt.timedelta(days=i)) in by_day]
    return render("menus/week.html", school=school, start=start, end=start + dt.timedelta(days=4), days=days,
                  by_day=by_day, words=wording, format_date=format_date, format_long_date=format_long_date,
                  prev=start - dt.timedelta(days=7), next=start + dt.timedelta(days=7),
                  this_week=today - dt.timedelta(days=today.weekday()))
