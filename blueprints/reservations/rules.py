"""Reservation domain: calendars, open days, deadlines, booking decisions, waiting list, absences.

Pure functions and dataclasses. No Flask, no database session, no clock: `now` (timezone-aware) is always a
parameter. Arguments are duck-typed: ORM rows from `models` or any object with the same attribute names.
Refusals are codes with parameters; wording.py phrases them in French (through gettext).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import holidays
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

from models import DEFAULT_JUSTIFICATION_HOURS

PARIS = ZoneInfo("Europe/Paris")
ONE_DAY = dt.timedelta(days=1)

# The order of a day's slots, wherever they are listed.
SLOT_ORDER = {"morning": 0, "meal": 1, "afternoon": 2}

# States that hold a place (count against capacity); "waiting" does not.
TAKEN_STATES = frozenset({"reserved", "absent", "justified"})
STATES = frozenset({"reserved", "waiting", "absent", "justified"})


# --------------------------------------------------------------------------- commune calendar


@lru_cache(maxsize=1)
def _school_dates() -> SchoolHolidayDates:
    return SchoolHolidayDates()  # parses a CSV of 1990-2028: load once per process


@lru_cache(maxsize=128)
def _year_data(zone: str, subdivision: str | None, year: int) -> tuple[dict, dict]:
    """Public and school holidays of one year, as {date: name} dicts (built once, then shared)."""
    public = dict(holidays.France(years=year, subdiv=subdivision, language="fr").items())
    try:
        rows = _school_dates().holidays_for_year_and_zone(year, zone)
    except UnsupportedYearException:
        rows = {}  # outside the bundled data: not a school holiday
    return public, {d: row["nom_vacances"] for d, row in rows.items()}


class CommuneCalendar:
    """Public holidays and school holidays of a commune (zone + subdivision). Set look-ups, cached per year."""

    def __init__(self, zone: str, subdivision: str | None, years: Iterable[int] = ()):
        if zone not in SchoolHolidayDates.SUPPORTED_ZONES:
            raise ValueError(f"unknown school zone: {zone!r}")
        self.zone, self.subdivision = zone, subdivision or None
        for year in years:  # preload; any other year is loaded on first use
            _year_data(self.zone, self.subdivision, year)

    def _public(self, day: dt.date) -> dict:
        return _year_data(self.zone, self.subdivision, day.year)[0]

    def _school(self, day: dt.date) -> dict:
        return _year_data(self.zone, self.subdivision, day.year)[1]

    def is_public_holiday(self, day: dt.date) -> bool:
        """True on a jour férié."""
        return day in self._public(day)

    def public_holiday_name(self, day: dt.date) -> str | None:
        """French name of the jour férié ("Armistice"), or None."""
        return self._public(day).get(day)

    def is_school_holiday(self, day: dt.date) -> bool:
        """True inside school holidays of the zone (weekends included, as the data gives them)."""
        return day in self._school(day)

    def school_holiday_name(self, day: dt.date) -> str | None:
        """Name of the school holidays ("Vacances de la Toussaint"), or None."""
        return self._school(day).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a public holiday (jour ouvré)."""
        return day.weekday() < 5 and day not in self._public(day)


def build_calendar(zone: str, subdivision: str | None, years: Iterable[int]) -> CommuneCalendar:
    """The calendar of a commune, cached per (zone, subdivision, years): cheap to call on every request."""
    return _build_calendar(zone, subdivision or None, tuple(sorted(set(years))))


@lru_cache(maxsize=32)
def _build_calendar(zone: str, subdivision: str | None, years: tuple[int, ...]) -> CommuneCalendar:
    return CommuneCalendar(zone, subdivision, years)


# --------------------------------------------------------------------------- open days


@dataclass(frozen=True)
class DayOpen:
    """The unit runs on that day."""

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class Closed:
    """The unit does not run on that day. reason_code: public_holiday | closure | school_holiday |
    not_holidays | weekday | out_of_period; label: holiday name or closure reason ("" when none)."""

    reason_code: str
    label: str = ""

    def __bool__(self) -> bool:
        return False


OPEN = DayOpen()


def _closure_dates(activity: Any, closures: Iterable[Any]) -> dict[dt.date, str]:
    activity_id = getattr(activity, "id", None)
    found: dict[dt.date, str] = {}
    for c in closures:
        if c.activity_id is None or c.activity_id == activity_id:
            found.setdefault(c.date, c.reason or "")
    return found


def _status(unit_days, activity, periods, closed_on, calendar, day) -> DayOpen | Closed:
    name = calendar.public_holiday_name(day)
    if name:
        return Closed("public_holiday", name)
    if day in closed_on:
        return Closed("closure", closed_on[day])
    school = calendar.school_holiday_name(day)
    if activity.calendar == "school_days" and school:
        return Closed("school_holiday", school)
    if activity.calendar == "holidays_only" and not school:
        return Closed("not_holidays")
    if day.weekday() not in unit_days:
        return Closed("weekday")
    if not any(p.start_date <= day <= p.end_date for p in periods):
        return Closed("out_of_period")
    return OPEN


def _weekday_set(unit: Any) -> frozenset[int]:
    return frozenset(int(c) for c in unit.weekdays if c.isdigit())


def _required(unit: Any) -> frozenset[int]:
    return frozenset(int(x) for x in (unit.requires_one_of or "").split(",") if x.strip())


def day_status(unit, activity, periods, closures, calendar: CommuneCalendar, day: dt.date) -> DayOpen | Closed:
    """Whether `unit` of `activity` runs on `day`: OPEN (truthy) or Closed(reason_code, label) (falsy).

    The most telling reason wins: public holiday, closure, school calendar, weekday, then period.
    `periods` are the activity's periods; `closures` may include other activities' (they are filtered).
    """
    return _status(_weekday_set(unit), activity, periods, _closure_dates(activity, closures), calendar, day)


def open_days(
    unit, activity, periods, closures, calendar: CommuneCalendar, start: dt.date, end: dt.date
) -> list[dt.date]:
    """The dates in [start, end] on which `unit` runs, in order."""
    unit_days, closed_on = _weekday_set(unit), _closure_dates(activity, closures)
    days, day = [], start
    while day <= end:
        if day.weekday() in unit_days and _status(unit_days, activity, periods, closed_on, calendar, day):
            days.append(day)
        day += ONE_DAY
    return days


# --------------------------------------------------------------------------- deadlines


def local_datetime(day: dt.date, at: dt.time) -> dt.datetime:
    """`day` at wall-clock time `at` in Europe/Paris, aware and normalised: a time in the March DST gap moves
    forward an hour, an ambiguous October time is its first occurrence."""
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    return naive.replace(tzinfo=PARIS).astimezone(dt.UTC).astimezone(PARIS)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, Europe/Paris: from then on the day is no longer in the future."""
    return local_datetime(day, dt.time(0))


def deadline(policy, day: dt.date, calendar: CommuneCalendar) -> dt.datetime:
    """Last instant (exclusive) to act on `day` under `policy`, aware in Europe/Paris.

    calendar_days: `days` calendar days before, at cutoff (0 = the day itself);
    working_days: `days` working days before, the day itself not counted, at cutoff;
    weekday_before: `weekday` of the week before the day's week, at cutoff;
    None: the start of the day.
    """
    if policy is None:
        return day_start(day)
    if policy.kind == "calendar_days":
        target = day - dt.timedelta(days=policy.days)
    elif policy.kind == "working_days":
        target, left = day, policy.days
        while left > 0:
            target -= ONE_DAY
            if calendar.is_working_day(target):
                left -= 1
    elif policy.kind == "weekday_before":
        target = day - dt.timedelta(days=day.weekday() + 7 - policy.weekday)
    else:
        raise ValueError(f"unknown deadline kind: {policy.kind!r}")
    return local_datetime(target, policy.cutoff)


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Refusal:
    """Why a change is refused. code: past | closed | not_enrolled | not_open | late_booking | late_cancel |
    dependency. params: what the view needs to phrase it (deadline, day, label, unit_ids...)."""

    code: str
    params: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Change:
    """A request to have (want=True) or not have (want=False) one unit booked for one child on one day."""

    want: bool
    current: str | None  # None | reserved | waiting | absent | justified
    day: dt.date
    now: dt.datetime
    enrolled: bool
    status: DayOpen | Closed
    booking_deadline: dt.datetime
    cancel_deadline: dt.datetime
    capacity: int | None = None  # None = unlimited
    taken: int = 0  # places held by others that day (TAKEN_STATES)
    dependency_ok: bool = True  # booking: a required unit is held after the change (see dependency_satisfied)
    blocking_dependents: tuple[int, ...] = ()  # cancelling: see dependents_blocking_cancel
    booking_opens: dt.datetime | None = None  # bookings not accepted before this instant
    by_agent: bool = False
    waiting: int = 0  # others on the waiting list that day (asked for when giving up a place: see confirmation)
    confirmed: bool = True  # the family has answered yes to the question `confirmation` asks, if any


@dataclass(frozen=True)
class Decision:
    """Outcome of a Change. outcome: unchanged | still_waiting | reserved | waiting | cancelled | refused |
    confirm (nothing done: the family must first answer `question`, a code of `confirmation`)."""

    outcome: str
    before: str | None
    after: str | None
    refusal: Refusal | None = None
    question: str | None = None

    @property
    def ok(self) -> bool:
        """True unless refused."""
        return self.refusal is None

    @property
    def changed(self) -> bool:
        """True when the stored state must change (something to save and record in the history)."""
        return self.before != self.after


def change_deadline(current: str | None, day: dt.date, booking_deadline: dt.datetime,
                    cancel_deadline: dt.datetime) -> dt.datetime:
    """The instant from which a family can no longer change a slot in state `current` (the one home of "locked").

    A place held (reserved, absent, justified) is released until the cancelling deadline; an empty slot is booked
    until the booking deadline; a waiting-list entry can be left until the day is over. Never after the day's end.
    """
    day_end = day_start(day + ONE_DAY)
    if current == "waiting":
        return day_end
    return min(day_end, cancel_deadline if current in TAKEN_STATES else booking_deadline)


@dataclass(frozen=True)
class SlotLock:
    """Whether a family may still change a slot at `now`: `until` is the change deadline (change_deadline),
    `past` the day is over, `locked` the deadline has passed, `editable` the viewer may change it now."""

    until: dt.datetime
    past: bool
    locked: bool
    editable: bool


def slot_lock(current: str | None, day: dt.date, booking_deadline: dt.datetime, cancel_deadline: dt.datetime,
              now: dt.datetime, by_agent: bool = False) -> SlotLock:
    """The lock of one slot as `decide` applies it: agents may always change it; families until the change
    deadline, and never a slot marked absent (an absence is withdrawn or justified, not unticked)."""
    until = change_deadline(current, day, booking_deadline, cancel_deadline)
    past, locked = now >= day_start(day + ONE_DAY), now >= until
    return SlotLock(until, past, locked, by_agent or not (locked or current in ("absent", "justified")))


def promotion_deadline(day: dt.date, cancel_deadline: dt.datetime) -> dt.datetime:
    """Until when a place freed on `day` is given to the waiting list: while the promoted family could still cancel
    it (its cancelling deadline), and never once the day has started."""
    return min(cancel_deadline, day_start(day))


def confirmation(current: str | None, capacity: int | None, taken: int, waiting: int) -> str | None:
    """Whether giving up `current` loses something the family cannot simply take back, so it must be asked first:
    "leave_waiting" (a waiting-list entry: joining again puts the child at the end), "release_waiting" (a place on a
    day others wait for: it goes to them), "release_full" (the last places of a full day: another family may take
    it). None: nothing is lost (no limit on places, or places left). `taken`: places held by others that day,
    `waiting`: others on its waiting list."""
    if current == "waiting":
        return "leave_waiting"
    if current in TAKEN_STATES and capacity is not None:
        if waiting:
            return "release_waiting"
        if taken + 1 >= capacity:
            return "release_full"
    return None


def _refuse(c: Change, code: str, **params) -> Decision:
    return Decision("refused", c.current, c.current, Refusal(code, params))


def decide(c: Change) -> Decision:
    """Apply the booking rules to one change.

    Replays are idempotent (already in the wanted state: unchanged, even after a deadline). Families are bound
    by the deadlines (which may fall on the day itself, e.g. "0 days before at 09:00") and by the end of the day;
    leaving a waiting list is possible until the day is over. Agents bypass deadlines and may correct past days,
    but never book a closed day, a child not enrolled or break a dependency. A full day puts the child on the
    waiting list (once the day has started, an agent's correction is booked).
    Cancelling is never refused for "closed"/"not_enrolled": a booking must always be removable. A family giving up
    something it could not take back (`confirmation`) is asked first unless `confirmed`; agents are not asked.
    """
    if c.now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if c.current is not None and c.current not in STATES:
        raise ValueError(f"unknown reservation state: {c.current!r}")
    if (c.want and c.current in TAKEN_STATES) or (not c.want and c.current is None):
        return Decision("unchanged", c.current, c.current)
    if c.want and c.current == "waiting":
        return Decision("still_waiting", "waiting", "waiting")

    started = c.now >= day_start(c.day)
    late = not c.by_agent and c.now >= change_deadline(c.current, c.day, c.booking_deadline, c.cancel_deadline)
    if late and c.now >= day_start(c.day + ONE_DAY):
        return _refuse(c, "past", day=c.day)

    if c.want:
        if not c.status:
            return _refuse(c, "closed", reason=c.status.reason_code, label=c.status.label)
        if not c.enrolled:
            return _refuse(c, "not_enrolled")
        if not c.by_agent:
            if c.booking_opens is not None and c.now < c.booking_opens:
                return _refuse(c, "not_open", opens=c.booking_opens)
            if late:
                return _refuse(c, "late_booking", deadline=c.booking_deadline)
        if not c.dependency_ok:
            return _refuse(c, "dependency")
        if c.capacity is not None and c.taken >= c.capacity and not (started and c.by_agent):
            return Decision("waiting", None, "waiting")
        return Decision("reserved", None, "reserved")

    if c.current != "waiting":
        if late:
            return _refuse(c, "late_cancel", deadline=c.cancel_deadline)
        if c.blocking_dependents:
            return _refuse(c, "dependency", unit_ids=c.blocking_dependents)
    if not (c.confirmed or c.by_agent):
        question = confirmation(c.current, c.capacity, c.taken, c.waiting)
        if question:
            return Decision("confirm", c.current, c.current, question=question)
    return Decision("cancelled", c.current, None)


def dependency_satisfied(unit, held_after: Iterable[int]) -> bool:
    """Booking `unit` is allowed when it needs nothing or one of its required units is held after the change
    (held_after: ids of the child's units in TAKEN_STATES that day, including those booked in the same request)."""
    required = _required(unit)
    return not required or bool(required & set(held_after))


def dependents_blocking_cancel(unit, units: Iterable[Any], held_after: Iterable[int]) -> tuple[int, ...]:
    """Ids of units still held after the change that need `unit` and would be left without any required unit.

    held_after: the child's held unit ids that day once the whole request is applied (without `unit`). A meal
    cancelled in the same request is not in it, so it does not block.
    """
    held = set(held_after) - {unit.id}
    return tuple(u.id for u in units if u.id in held and unit.id in _required(u) and not _required(u) & held)


def count_taken(reservations: Iterable[Any]) -> int:
    """Places taken by these reservations (reserved, absent and justified count; waiting does not)."""
    return sum(1 for r in reservations if r.state in TAKEN_STATES)


# --------------------------------------------------------------------------- waiting list


def _queue(entries: Iterable[Any]) -> list:
    waiting = [e for e in entries if getattr(e, "state", "waiting") == "waiting"]
    return sorted(waiting, key=lambda e: (e.requested_at, e.id))


def next_to_promote(waiting_entries: Iterable[Any], capacity: int | None, taken: int) -> list:
    """The waiting entries to promote to reserved, in order, given the places now free."""
    queue = _queue(waiting_entries)
    if capacity is None:
        return queue
    return queue[: max(0, capacity - taken)]


# --------------------------------------------------------------------------- absences


def absence_effect(state: str | None, cancel_deadline_passed: bool) -> str | None:
    """What an absence does to a reservation: "cancel" (waiting entries, or still cancellable), "absent"
    (too late to cancel: kept and billed unless justified), or None (nothing booked, or already absent)."""
    if state == "waiting" or (state == "reserved" and not cancel_deadline_passed):
        return "cancel"
    if state == "reserved":
        return "absent"
    return None


def justification_deadline(absence_end_date: dt.date, hours: int) -> dt.datetime:
    """End of the window to justify an absence: the end of its last day (24:00 Europe/Paris) plus `hours`
    wall-clock hours, so "48 h" after a Saturday is Monday 24:00 even across a DST change."""
    naive = dt.datetime.combine(absence_end_date + ONE_DAY, dt.time(0)) + dt.timedelta(hours=hours)
    return local_datetime(naive.date(), naive.time())


def justification_window(own_hours: int | None, commune_hours: int | None) -> int:
    """Hours to justify an absence for one activity: its own window, else the commune's, else the default."""
    if own_hours is not None:
        return own_hours
    return commune_hours if commune_hours is not None else DEFAULT_JUSTIFICATION_HOURS


def can_justify(absence, hours: int | None, now: dt.datetime) -> bool:
    """True while a certificate can still justify `absence` (hours None = no time limit)."""
    return hours is None or now < justification_deadline(absence.end_date, hours)


# --------------------------------------------------------------------------- bulk


def weekly_pattern_days(start: dt.date, end: dt.date, weekdays: Iterable[int]) -> list[dt.date]:
    """Dates in [start, end] whose weekday (0 = Monday) is in `weekdays`: a weekly pattern to apply day by day."""
    wanted = set(weekdays)
    days, day = [], start
    while day <= end:
        if day.weekday() in wanted:
            days.append(day)
        day += ONE_DAY
    return days


# --------------------------------------------------------------------------- policies as data


class PolicyDescription(NamedTuple):
    """What a deadline policy says, as data: action (book | cancel), kind (None = no policy), days, weekday,
    cutoff."""

    action: str
    kind: str | None
    days: int
    weekday: int | None
    cutoff: dt.time | None


def describe_policy(policy, action: str) -> PolicyDescription:
    """The policy as plain data for a view to phrase (action: "book" or "cancel")."""
    if action not in ("book", "cancel"):
        raise ValueError(f"unknown action: {action!r}")
    if policy is None:
        return PolicyDescription(action, None, 0, None, None)
    return PolicyDescription(action, policy.kind, policy.days, policy.weekday, policy.cutoff)
