"""Rules of supporting documents (pièces justificatives): how long a document is valid from the date written on it,
where it stands on a given day (déposée, valide, expire bientôt, expirée, refusée), what the family may still do
with it, and what a date given by the family or corrected by an agent must respect.

Pure functions: standard library only, no Flask, no session, no clock; `today` is always a parameter.
"""

from __future__ import annotations

import calendar
import datetime as dt

# A validated document "expire bientôt" when its last valid day is at most this many days ahead (the one value).
EXPIRING_SOON_DAYS = 30
# A school year ends on 31 August ("jusqu'à la fin de l'année scolaire").
SCHOOL_YEAR_END = (8, 31)
# Where a document stands on a day (state): submitted (déposée, awaiting an agent), valid, expiring (valid, ends
# within EXPIRING_SOON_DAYS), expired (its last valid day has passed), refused.
STATES = ("submitted", "valid", "expiring", "expired", "refused")
# States a family should act on (send a newer document): shown first and counted on "Mon accueil".
NEEDS_ACTION = frozenset({"refused", "expired", "expiring"})


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` calendar months later, on the same day of the month or the last one (31 January + 1
    month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def school_year_end(day: dt.date) -> dt.date:
    """The last day of the school year `day` belongs to: 31 August of that year until August, of the next one from
    September on."""
    month, last = SCHOOL_YEAR_END
    return dt.date(day.year if day.month <= month else day.year + 1, month, last)


def validity_period(validity: str, months: int | None, document_date: dt.date | None
                    ) -> tuple[dt.date | None, dt.date | None]:
    """(valid_from, valid_until) of a document of a type whose rule is `validity` ("none", "months" with `months`,
    "school_year"), dated `document_date`. "Moins de 3 mois": a document of 10 September is valid until 9 December
    (included). No end (None) for "none", or when the date is unknown."""
    if document_date is None:
        return None, None
    if validity == "months" and months:
        return document_date, add_months(document_date, months) - dt.timedelta(days=1)
    if validity == "school_year":
        return document_date, school_year_end(document_date)
    return document_date, None


def state(status: str, valid_until: dt.date | None, today: dt.date) -> str:
    """Where a document stands on `today` (see STATES). A refused document stays refused; past its last valid day a
    document is expired, validated or not; a validated one ending within EXPIRING_SOON_DAYS is expiring."""
    if status == "refused":
        return "refused"
    if valid_until is not None and valid_until < today:
        return "expired"
    if status == "submitted":
        return "submitted"
    if valid_until is not None and (valid_until - today).days <= EXPIRING_SOON_DAYS:
        return "expiring"
    return "valid"


def usable(document_state: str, include_submitted: bool = False) -> bool:
    """Whether a document in `document_state` proves what it should (for a démarche): validated and not expired; a
    document still awaiting an agent counts only when the caller says so."""
    return document_state in ("valid", "expiring") or (include_submitted and document_state == "submitted")


def can_delete(status: str, used: bool) -> bool:
    """The family may delete a document it sent as long as no agent has looked at it and no démarche relies on it."""
    return status == "submitted" and not used


def can_replace(document_state: str) -> bool:
    """The family may send a newer document for a refused, expired or expiring one (the old one is kept, replaced)."""
    return document_state in NEEDS_ACTION


def date_problem(validity: str, months: int | None, document_date: dt.date | None, today: dt.date) -> str | None:
    """What is wrong with the date the family gives for a document of this type, as a code, or None:
    "required" (the type has a validity rule: its date is needed), "future" (after today), "expired" (a document
    that is no longer valid on `today`: "moins de 3 mois" and dated 4 months ago)."""
    if document_date is None:
        return "required" if validity != "none" else None
    if document_date > today:
        return "future"
    _valid_from, valid_until = validity_period(validity, months, document_date)
    if valid_until is not None and valid_until < today:
        return "expired"
    return None


def dates_problem(valid_from: dt.date | None, valid_until: dt.date | None) -> str | None:
    """What is wrong with validity dates an agent sets, as a code, or None: "order" (ends before it starts)."""
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        return "order"
    return None
