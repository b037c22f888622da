"""Where the demo's states fall, relative to the day it is seeded (`today`), on the commune's calendar.

The school year is the one containing `today`; from August on, the coming one. Public holidays come from
`holidays`, zone B school holidays from `vacances_scolaires_france` (bundled up to 2028: beyond, there are simply no
school holidays). The seed (demo/__init__.py) and the tests ask these helpers rather than hard-coding dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

UTC, PARIS = dt.timezone.utc, ZoneInfo("Europe/Paris")
DAY, WEEK = dt.timedelta(days=1), dt.timedelta(days=7)
ZONE, SUBDIVISION = "B", None  # the demo commune's school zone and public-holiday subdivision


@dataclass(frozen=True)
class SchoolYear:
    """The demo school year that starts in September of `first`: from September 1 to the eve of the zone's summer
    holidays (the first Saturday of July beyond the bundled data, where there are simply no school holidays)."""

    first: int
    start: dt.date
    end: dt.date
    public_holidays: frozenset[dt.date]
    school_holidays: frozenset[dt.date]

    @property
    def name(self) -> str:
        return f"Année scolaire {self.first}-{self.first + 1}"

    @cached_property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(n) for n in range((self.end - self.start).days + 1)]

    @cached_property
    def weekdays(self) -> list[dt.date]:
        """Monday to Friday but public holidays: days at school, or at the leisure centre in the school holidays."""
        return [d for d in self.days if d.weekday() < 5 and d not in self.public_holidays]

    @cached_property
    def school_days(self) -> list[dt.date]:
        """Weekdays outside the school holidays (Wednesdays included: the leisure centre is open)."""
        return [d for d in self.weekdays if d not in self.school_holidays]


def school_year(today: dt.date) -> SchoolYear:
    """The school year containing `today`; from August on, the coming one (July still belongs to the ending one)."""
    return _school_year(today.year if today.month >= 8 else today.year - 1)


@lru_cache(maxsize=8)
def _school_year(first: int) -> SchoolYear:
    dates, school_holidays = SchoolHolidayDates(), set()
    for year in (first, first + 1):
        try:
            school_holidays |= set(dates.holidays_for_year_and_zone(year, ZONE))
        except UnsupportedYearException:
            pass  # beyond the bundled data: no school holidays
    july = dt.date(first + 1, 7, 1)
    first_saturday = july + dt.timedelta((5 - july.weekday()) % 7)
    summer = min((d for d in school_holidays if d >= july - 2 * WEEK), default=first_saturday)
    public = holidays.France(years=[first, first + 1], subdiv=SUBDIVISION)
    return SchoolYear(first, dt.date(first, 9, 1), summer - DAY, frozenset(public), frozenset(school_holidays))


def closure_day(today: dt.date) -> dt.date:
    """The exceptional closure (every activity): the first school Friday a week or more after `today` (else the
    first school day then; once nothing is left ahead, the year's last school day but a Wednesday)."""
    days = [d for d in school_year(today).school_days if d.weekday() != 2]  # leisure Wednesdays stay as they are
    ahead = [d for d in days if d >= today + WEEK]
    return next((d for d in ahead if d.weekday() == 4), ahead[0]) if ahead else days[-1]


def full_wednesdays(today: dt.date) -> tuple[dt.date, dt.date]:
    """The two full Wednesdays of the leisure centre, with a waiting list: the 2nd and 5th that are still bookable
    after `today` (a week ahead or more); Léa and Hugo Martin head the second one's queue. Late in the year, when
    fewer are left, the year's last two."""
    wednesdays = [d for d in school_year(today).school_days if d.weekday() == 2]
    ahead = [d for d in wednesdays if d >= today + WEEK]
    return (ahead[1], ahead[4]) if len(ahead) >= 5 else (wednesdays[-2], wednesdays[-1])


def absence_span(today: dt.date) -> tuple[dt.date, dt.date]:
    """Léa Martin's absence, (start, end): her last day or two at school (or at the holiday leisure centre) before
    `today`, up to yesterday, so that the certificate window (end + 48 h) is still open on `today`. Before the year
    starts, its first two days (signalled ahead); once it is over, its last days (window closed)."""
    closure, full = closure_day(today), full_wednesdays(today)
    days = [d for d in school_year(today).weekdays if d != closure and d not in full]
    before = [d for d in days if d < today]
    if not before:
        return days[0], days[1]
    last = before[-1]
    start = before[-2] if len(before) > 1 and (last - before[-2]).days <= 3 else last
    return start, (today - DAY if (today - DAY - last).days <= 3 else last)


def enrolment_times(year: SchoolYear, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When the families enrolled (June 15) and booked the year (August 24, or a week before `now` when seeded in
    August), both before `now`."""
    booked = min(dt.datetime(year.first, 8, 24, 7, 0, tzinfo=UTC), now - WEEK)
    return min(dt.datetime(year.first, 6, 15, 9, 0, tzinfo=UTC), booked - 30 * DAY), booked


def span_days(span: tuple[dt.date, dt.date]) -> list[dt.date]:
    """Every date from start to end, both included."""
    return [span[0] + dt.timedelta(n) for n in range((span[1] - span[0]).days + 1)]
