"""Back office, direction and régie: statistics of a school year (bookings, attendance rate, meals per site and
month) as tables, server-rendered SVG charts of the same figures, and CSV. Figures: blueprints/admin/statistics.py."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import format_date, format_percent

import clock
from blueprints.admin import rules, statistics, wording
from blueprints.backoffice import bp
from blueprints.backoffice.occupancy import csv_response
from blueprints.htmx import render

FIRST_YEAR, LAST_YEAR = 2000, 2099


def _year() -> int:
    raw = request.args.get("annee", "")
    current = rules.school_year_of(clock.today())
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR else current


def month_label(m) -> str:
    return format_date(dt.date(m.year, m.month, 1), "LLLL y")


def rate_label(rate) -> str:
    return "—" if rate is None else format_percent(rate, "#0 %")


@bp.route("/statistiques")
def statistics_page():
    """Statistiques: a school year's bookings, attendance and meals, per month (and per site for meals)."""
    first = _year()
    stats = statistics.year_stats(first, clock.today())
    rates = [m.rate for m in stats.months]
    return render("backoffice/statistics.html", stats=stats, first=first, labels=[month_label(m) for m in stats.months],
                  rates=rates, rate_texts=[rate_label(r) for r in rates], rate_label=rate_label,
                  widths=rules.bar_widths, current=rules.school_year_of(clock.today()))


@bp.route("/statistiques.csv")
def statistics_csv():
    """The same figures as CSV: one line per month (and one column of meals per site)."""
    first = _year()
    stats = statistics.year_stats(first, clock.today())
    header = [str(h) for h in wording.STATS_CSV_HEADER] + [str(wording.STATS_MEALS_AT) % {"site": s}
                                                            for s in stats.sites]
    rows = [[f"{m.year}-{m.month:02d}", m.booked, m.present, m.absent,
             "" if m.rate is None else f"{m.rate * 100:.1f}".replace(".", ","), m.meals,
             *[m.meals_by_site.get(s, 0) for s in stats.sites]] for m in stats.months]
    return csv_response(f"statistiques-{first}-{first + 1}.csv", header, rows)
