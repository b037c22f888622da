"""Which language a page is shown in: pure functions (no Flask, no database).

French is the source language and the default; English is the one catalogue (translations/en). Dates and money are
formatted with Babel's British English locale (en_GB: "Saturday 5 December", "€12.50").
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT = "fr"
# Each language's name in itself: a switch link reads the same whatever the page's language (and carries lang=).
LANGUAGES = {"fr": "Français", "en": "English"}
BABEL_LOCALES = {"fr": "fr", "en": "en_GB"}
COOKIE = "langue"
# The agents' pages are written for the service Enfance only: always French, without the switch. That is every page
# under /gestion (the back office, the pointage, the import, the agents' billing pages) and the agents' two-factor
# login step.
FRENCH_ONLY_BLUEPRINTS = frozenset({"backoffice", "attendance", "imports", "twofactor"})
AGENTS_PREFIX = "/gestion"
COOKIE_MAX_AGE = 365 * 24 * 3600  # a year: the choice outlives the session, no account needed


def french_only(blueprint: str | None, path: str) -> bool:
    """Is this page one of the agents' (always French)?"""
    return blueprint in FRENCH_ONLY_BLUEPRINTS or path == AGENTS_PREFIX or path.startswith(AGENTS_PREFIX + "/")


def primary(tag: str) -> str:
    """ "en-GB" -> "en", "FR_fr" -> "fr"."""
    return tag.strip().replace("_", "-").split("-")[0].lower()


def choose(cookie: str | None, accepted: Iterable[tuple[str, float]]) -> str:
    """The page's language: the one chosen with the switch (cookie), else the browser's first supported language
    (`accepted`: Accept-Language values with their quality, best first), else French."""
    if cookie in LANGUAGES:
        return cookie
    for tag, quality in sorted(accepted, key=lambda item: -item[1]):
        if quality > 0 and primary(tag) in LANGUAGES:
            return primary(tag)
    return DEFAULT


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, BABEL_LOCALES[DEFAULT])


def others(language: str) -> list[str]:
    """The languages a page offers to switch to."""
    return [code for code in LANGUAGES if code != language]


def safe_path(target: str | None) -> str | None:
    """Only a same-site relative path is followed after the switch (no open redirect)."""
    if not target or len(target) > 2000:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def time_12h(hour: int, minute: int) -> str:
    """A wall-clock time in British English: "10 am", "6:30 pm", "11:59 pm", "12 pm" (noon), "12:00 am" (the first
    minute of a day, written out so that it is not read as noon)."""
    if hour == 0 and minute == 0:
        return "12:00 am"
    suffix = "am" if hour < 12 else "pm"
    h12 = hour % 12 or 12
    return f"{h12} {suffix}" if minute == 0 else f"{h12}:{minute:02d} {suffix}"
