"""The request's language for Babel, and the formats that depend on it (dates, times, money).

`select_locale` is Flask-Babel's locale selector (app.py); `language()` is "fr" or "en" for templates and wording
modules. Dates go through Babel's own patterns per language, never through French-only words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import g, has_request_context, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    get_locale,
    get_translations,
    gettext,
    to_user_timezone,
)

from blueprints.languages import rules

# Babel patterns per language ("samedi 5 décembre 2026" / "Saturday 5 December 2026").
DATE_LONG = {"fr": "EEEE d MMMM y", "en": "EEEE d MMMM y"}
DATE_SHORT = {"fr": "dd/MM/y", "en": "dd/MM/y"}
MONTH_YEAR = {"fr": "LLLL y", "en": "LLLL y"}
DATETIME_LONG = {"fr": "EEEE d MMMM y 'à' H 'h' mm", "en": "EEEE d MMMM y 'at' h:mm a"}


def request_language() -> str:
    """The language of the current request ("fr" outside a request: e-mails sent by a command, tests)."""
    if not has_request_context():
        return rules.DEFAULT
    if "language" not in g:
        if rules.french_only(request.blueprint, request.path):
            g.language = rules.DEFAULT
        else:
            g.language = rules.choose(request.cookies.get(rules.COOKIE), request.accept_languages)
    return g.language


def select_locale() -> str:
    """Flask-Babel's locale selector: "fr" or "en_GB" (gettext falls back from en_GB to translations/en)."""
    return rules.babel_locale(request_language())


def language() -> str:
    """ "fr" or "en": the language Babel is using now (force_locale included)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in rules.LANGUAGES else rules.DEFAULT


def _first_of_month(pattern: str) -> str:
    """French writes the first day of a month "1er" ("jeudi 1er janvier 2026"): the pattern's day as a literal."""
    return pattern.replace("d ", "'1er' ", 1)


def date_long(day: dt.date | None) -> str:
    if not day:
        return ""
    if isinstance(day, dt.datetime):  # an instant: the day it is in the user's time zone (Paris)
        day = to_user_timezone(day).date() if day.tzinfo else day.date()
    pattern = DATE_LONG[language()]
    return format_date(day, _first_of_month(pattern) if day.day == 1 and language() == "fr" else pattern)


def date_short(day: dt.date | None) -> str:
    return format_date(day, DATE_SHORT[language()]) if day else ""


def datetime_long(moment: dt.datetime | None) -> str:
    if not moment:
        return ""
    pattern = DATETIME_LONG[language()]
    if language() == "fr" and to_user_timezone(moment).day == 1:
        pattern = _first_of_month(pattern)
    text = format_datetime(moment, pattern)
    return text.replace("AM", "am").replace("PM", "pm") if language() == "en" else text


def month_year(day: dt.date) -> str:
    return format_date(day, MONTH_YEAR[language()])


def money(cents: int | None) -> str:
    """An amount kept in integer cents: "12,50 €" in French, "€12.50" in English."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR")


def time_words(t: dt.time) -> str | None:
    """A wall-clock time in the page's language when it is not French ("11:59 pm"); None for French, whose words
    ("23 h 59") are the catalogue's source (reservations/wording.py)."""
    return rules.time_12h(t.hour, t.minute) if language() == "en" else None


class Colon:
    """`{{ colon }}` in templates: " : " in French (a space before the colon), ": " in English. Read when the page
    is rendered, so one object serves every request (a Jinja global, error pages and htmx fragments included)."""

    def __str__(self) -> str:
        return ": " if language() == "en" else " : "

    __html__ = __str__


COLON = Colon()


def commune_text(value):
    """A text stored as data that agents may edit (a démarche's title, a document type's name and help): in English
    when it is still the project's own French default (a msgid of the catalogue: procedures/wording.py TITLES,
    documents/defaults.py), else exactly as the commune wrote it. Agents' pages and e-mails stay in French."""
    if not value or not isinstance(value, str) or language() == rules.DEFAULT:
        return value
    return gettext(value)


# --------------------------------------------------------------------------- catalogue look-up


def translations():
    """The gettext catalogue of the language in use, as `flask_babel.get_translations()` returns it, but kept on the
    context's Babel state next to the Locale object it was chosen for: Flask-Babel's own look-up walks a dozen
    context proxies per string, and a month page translates about a thousand. `force_locale` (French e-mails sent
    from an English page) and `flask_babel.refresh` replace that Locale object, so the catalogue is looked up again.
    """
    try:
        state = g._flask_babel
    except (AttributeError, RuntimeError):  # Babel not used yet in this context, or no context at all
        return get_translations()
    locale = getattr(state, "babel_locale", None)
    kept = getattr(state, "portail_translations", None)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    state.portail_translations = (getattr(state, "babel_locale", None), found)
    return found


def fast_gettext(string: str, **variables) -> str:
    """`flask_babel.gettext` through `translations()`: for the hot paths (the agenda's wording, templates)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def install_gettext(jinja_env) -> None:
    """Templates' `_()`, `gettext`, `ngettext` through `translations()` (replaces Flask-Babel's callables)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
