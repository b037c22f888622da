"""Family-file rules: the next dossier number, a plausible child's birth date, who may be enrolled in a period,
which bookings an unenrolment cancels, when a child's file may be deleted, which diet labels may be offered.

Pure functions: standard library only, never Flask, never the clock (`today` is a parameter). Answers are codes;
blueprints/families/wording.py says them in French.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

DOSSIER_PREFIX = "D"
DOSSIER_DIGITS = 4
ADULT_AGE = 18  # a child of the service is under 18


def dossier_prefix(year: int) -> str:
    """ "D-2026-": the numbers of the files created in `year` start with it."""
    return f"{DOSSIER_PREFIX}-{year}-"


def next_dossier_number(year: int, taken: Iterable[str]) -> str:
    """The number of the next file created in `year`: "D-2026-0031" after "D-2026-0030" (the highest of that year
    among `taken`, whatever else they hold; numbers past 9999 simply grow a digit)."""
    prefix = dossier_prefix(year)
    last = max((int(n[len(prefix):]) for n in taken if n.startswith(prefix) and n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:0{DOSSIER_DIGITS}d}"


def birthday(born: dt.date, years: int) -> dt.date:
    """The day `born` turns `years` old (a 29 February birthday falls on 1 March in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


def birth_date_problem(born: dt.date, today: dt.date) -> str | None:
    """None when `born` is a plausible birth date for a child of the service today; else "future" (after today)
    or "adult" (18 or older)."""
    if born > today:
        return "future"
    if birthday(born, ADULT_AGE) <= today:
        return "adult"
    return None


def enrollment_problem(period: Any, today: dt.date, enrolled_period_ids: Iterable[int]) -> str | None:
    """Why a child cannot be enrolled in `period` today: "already" (enrolled in it), "over" (its last day is
    past); None when it can."""
    if period.id in set(enrolled_period_ids):
        return "already"
    if period.end_date < today:
        return "over"
    return None


def open_periods(periods: Iterable[Any], today: dt.date) -> list:
    """The periods a child can still be enrolled in (not over), in date order."""
    return sorted((p for p in periods if p.end_date >= today), key=lambda p: (p.start_date, p.id))


def cancelled_by_unenrolment(reservations: Iterable[Any], period: Any, unit_ids: Iterable[int],
                             today: dt.date) -> list:
    """The bookings (any state, waiting list included) an unenrolment from `period` cancels: those of the
    activity's units (`unit_ids`) inside the period, after `today`. Today's and past days stay as they are: they
    were served, or are about to be, and are billed as usual."""
    units = set(unit_ids)
    return [r for r in reservations
            if r.unit_id in units and period.start_date <= r.date <= period.end_date and r.date > today]


def child_removal_problem(has_history: bool) -> str | None:
    """A child's file is deleted only when nothing was ever recorded for them (bookings, their history, absences,
    documents): a file made by mistake. Otherwise "history": it is kept for billing and follow-up."""
    return "history" if has_history else None


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The names of the fields whose value changed, in the order of `after`."""
    return [name for name, value in after.items() if before.get(name) != value]


# Diets are about what a child eats, never about a faith (CNIL: no religious data, "sans porc" is allowed).
FORBIDDEN_DIET_WORDS = ("halal", "casher", "cacher", "kasher", "kosher", "religion", "religieux", "religieuse",
                        "musulman", "musulmane", "juif", "juive", "confession", "culte", "careme", "ramadan")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def diet_label_problem(label: str) -> str | None:
    """Why a diet label is refused: "empty", or "religious" when it names a faith or a religious rule (the list
    above, accents and case ignored); None when it may be offered."""
    if not (label or "").strip():
        return "empty"
    words = set(re.findall(r"[a-z]+", _plain(label)))
    return "religious" if words.intersection(FORBIDDEN_DIET_WORDS) else None
