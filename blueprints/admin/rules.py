"""Pure rules of the administration: RGPD retention (when a child's data is anonymised, when an upload is
removed). Standard library and dateutil only; `today` is passed in."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

CHILD_YEARS = 3
INVOICE_YEARS = 10  # for billing, once it exists: invoices are kept 10 years (they are not the child's file)
EXPIRED_KEPT = relativedelta(years=1)
SUPERSEDED_KEPT = relativedelta(months=6)
ANONYMOUS_FIRST, ANONYMOUS_LAST = "Enfant", "anonymisé"
PARIS = ZoneInfo("Europe/Paris")


def child_left_on(period_ends: Iterable[dt.date], created_on: dt.date) -> dt.date:
    """The day a child left: the end of their last enrolment period, or their file's creation day."""
    return max(period_ends, default=created_on)


def child_due(left_on: dt.date, today: dt.date) -> bool:
    """Is the child's data to be anonymised today (3 years after they left, to the day)?"""
    return today >= left_on + relativedelta(years=CHILD_YEARS)


def document_due(status: str, valid_until: Optional[dt.date], refused_at: Optional[dt.date],
                 replaced_at: Optional[dt.date], today: dt.date) -> bool:
    """Is an uploaded pièce to be removed today?"""
    if replaced_at is not None and today >= replaced_at + SUPERSEDED_KEPT:
        return True
    if status == "refused" and refused_at is not None and today >= refused_at + SUPERSEDED_KEPT:
        return True
    return status == "validated" and valid_until is not None and today > valid_until + EXPIRED_KEPT


# --------------------------------------------------------------------------- statistics

TAKEN = ("reserved", "absent", "justified")  # a place booked (the child came, or was absent)


def school_year_of(today: dt.date) -> int:
    """The first year of the school year containing `today` (September to August)."""
    return today.year if today.month >= 9 else today.year - 1


def school_year_months(first: int) -> list[tuple[int, int]]:
    """(year, month) from September of `first` to August of the next year."""
    return [(first + (m < 9), m) for m in (*range(9, 13), *range(1, 9))]


def attendance_rate(present: int, absent: int) -> Optional[float]:
    """Share of booked places where the child came (reservations vs absences), None without a booking."""
    return None if present + absent == 0 else present / (present + absent)


def bar_widths(values: list[Optional[float]], full: float = 100.0) -> list[float]:
    """Bar lengths for a chart: the largest value gets `full`; None and 0 get 0."""
    top = max((v for v in values if v), default=0)
    return [round(full * (v or 0) / top, 2) if top else 0.0 for v in values]
