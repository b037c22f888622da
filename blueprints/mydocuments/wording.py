"""Words of Mes documents (gettext): what is wrong with a chosen period, the period in words, file names."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.languages.formats import date_short, month_year
from blueprints.mydocuments import rules

PERIOD_KINDS = {
    "mois": _l("Un mois"),
    "scolaire": _l("Une année scolaire (septembre à août)"),
    "civile": _l("Une année civile (janvier à décembre)"),
}

PROBLEMS = {
    "kind": _l("Choisissez un mois, une année scolaire ou une année civile."),
    "year_missing": _l("Saisissez l'année, par exemple 2026."),
    "month_missing": _l("Choisissez le mois."),
    "month_range": _l("Choisissez un mois de la liste."),
    "future": _l("Cette période n'a pas encore commencé : choisissez une période passée ou en cours."),
}


def problem(code: str, today_year: int) -> str:
    """The French message of a period problem (rules.period_problem)."""
    if code == "year_range":
        return _("Saisissez une année de %(first)d à %(last)d.", first=rules.FIRST_YEAR, last=today_year)
    return str(PROBLEMS[code])


def period_text(period: rules.Period) -> str:
    """"novembre 2026", "l'année scolaire 2025-2026", "l'année 2026"."""
    if period.kind == "mois":
        return month_year(period.start)
    if period.kind == "scolaire":
        return _("l'année scolaire %(first)d-%(second)d", first=period.start.year, second=period.end.year)
    return _("l'année %(year)d", year=period.start.year)


def period_span(period: rules.Period) -> str:
    """"du 01/11/2026 au 30/11/2026"."""
    return _("du %(start)s au %(end)s", start=date_short(period.start), end=date_short(period.end))


def day_numbers(days) -> str:
    """The days of one month as their numbers: "2, 3, 5"."""
    return ", ".join(str(d.day) for d in days)
