"""Table-driven tests of blueprints/reservations/rules.py: no Flask app, no database (duck-typed rows)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pytest

from blueprints.reservations import rules
from blueprints.reservations.rules import OPEN, Change, Closed

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
D = dt.date


def paris(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=PARIS)


def utc(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


@dataclass
class Policy:
    kind: str
    days: int = 0
    weekday: int | None = None
    cutoff: dt.time = dt.time(23, 59)


@dataclass
class Activity:
    id: int = 1
    calendar: str = "school_days"


@dataclass
class Unit:
    id: int = 1
    weekdays: str = "01234"
    requires_one_of: str = ""


@dataclass
class Period:
    start_date: dt.date
    end_date: dt.date


@dataclass
class ClosureRow:
    activity_id: int | None
    date: dt.date
    reason: str = ""


@dataclass
class Entry:
    id: int
    child_id: int
    requested_at: dt.datetime
    state: str = "waiting"


@dataclass
class AbsenceRow:
    start_date: dt.date
    end_date: dt.date


SCHOOL_YEAR = [Period(D(2026, 9, 1), D(2027, 7, 3))]
WHOLE_YEAR = [Period(D(2026, 1, 1), D(2027, 12, 31))]


@pytest.fixture(scope="module")
def cal_b():
    return rules.build_calendar("B", None, range(2026, 2028))


# --------------------------------------------------------------------------- calendar


@pytest.mark.parametrize(
    "day, subdiv, name",
    [
        (D(2026, 11, 11), None, "Armistice"),  # a Wednesday
        (D(2026, 5, 1), None, "Fête du Travail"),
        (D(2026, 5, 8), None, "Fête de la Victoire"),
        (D(2027, 5, 6), None, "Ascension"),
        (D(2027, 5, 17), None, "Lundi de Pentecôte"),
        (D(2026, 11, 12), None, None),
        (D(2026, 4, 3), None, None),  # Vendredi saint: only in Alsace-Moselle
        (D(2026, 4, 3), "57", "Vendredi saint"),
        (D(2026, 12, 26), "57", "Saint-Étienne"),
        (D(2030, 1, 1), None, "Jour de l'an"),  # a year not preloaded is loaded on demand
    ],
)
def test_public_holidays(day, subdiv, name):
    cal = rules.build_calendar("B", subdiv, range(2026, 2028))
    assert cal.public_holiday_name(day) == name
    assert cal.is_public_holiday(day) is (name is not None)


@pytest.mark.parametrize(
    "day, zone, name",
    [
        (D(2026, 10, 19), "A", "Vacances de la Toussaint"),
        (D(2026, 10, 19), "C", "Vacances de la Toussaint"),
        (D(2026, 11, 2), "B", None),  # back to school on Monday 2 November
        (D(2026, 12, 21), "B", "Vacances de Noël"),
        (D(2027, 1, 4), "B", None),
        # winter holidays differ per zone: A 13-28 Feb, B 20 Feb-7 Mar, C 6-21 Feb 2027
        (D(2027, 2, 8), "A", None),
        (D(2027, 2, 8), "B", None),
        (D(2027, 2, 8), "C", "Vacances d'hiver"),
        (D(2027, 2, 15), "A", "Vacances d'hiver"),
        (D(2027, 2, 15), "B", None),
        (D(2027, 2, 22), "A", "Vacances d'hiver"),
        (D(2027, 2, 22), "B", "Vacances d'hiver"),
        (D(2027, 2, 22), "C", None),
        (D(2027, 3, 1), "A", None),
        (D(2027, 3, 1), "B", "Vacances d'hiver"),
        (D(2027, 5, 7), "A", "Pont de l'Ascension"),
        (D(2026, 10, 17), "B", "Vacances de la Toussaint"),  # the first Saturday, as the data gives it
        (D(2030, 10, 28), "B", None),  # beyond the bundled data (1990-2028): not a holiday, no error
    ],
)
def test_school_holidays_per_zone(day, zone, name):
    cal = rules.build_calendar(zone, None, range(2026, 2028))
    assert cal.school_holiday_name(day) == name
    assert cal.is_school_holiday(day) is (name is not None)


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2026, 11, 10), True),
        (D(2026, 11, 11), False),  # Armistice
        (D(2026, 11, 14), False),  # Saturday
        (D(2026, 11, 15), False),  # Sunday
        (D(2026, 10, 20), True),  # school holidays are working days
        (D(2027, 5, 6), False),  # Ascension
    ],
)
def test_working_days(cal_b, day, working):
    assert cal_b.is_working_day(day) is working


def test_calendar_is_cached_and_rejects_unknown_zone():
    assert rules.build_calendar("B", None, range(2026, 2028)) is rules.build_calendar("B", "", [2027, 2026])
    assert rules.build_calendar("A", None, range(2026, 2028)) is not rules.build_calendar("B", None, range(2026, 2028))
    with pytest.raises(ValueError):
        rules.build_calendar("D", None, [2026])


def test_calendar_lookups_are_cheap(cal_b):
    days = [D(2026, 11, 1) + dt.timedelta(days=i) for i in range(60)]
    start = time.perf_counter()
    for _ in range(10):  # 3,000 look-ups: about thirty month pages
        for day in days:
            cal_b.is_public_holiday(day), cal_b.school_holiday_name(day), cal_b.is_working_day(day)
            cal_b.is_school_holiday(day), cal_b.public_holiday_name(day)
    assert time.perf_counter() - start < 0.1  # rebuilding the calendar per call takes ~10 ms each


# --------------------------------------------------------------------------- open days


@pytest.mark.parametrize(
    "calendar, weekdays, periods, closures, day, expected",
    [
        ("school_days", "01234", SCHOOL_YEAR, [], D(2026, 11, 10), OPEN),
        ("school_days", "01234", SCHOOL_YEAR, [], D(2026, 11, 11), Closed("public_holiday", "Armistice")),
        ("school_days", "01234", SCHOOL_YEAR, [], D(2026, 11, 14), Closed("weekday")),
        ("school_days", "0134", SCHOOL_YEAR, [], D(2026, 11, 18), Closed("weekday")),
        (
            "school_days",
            "01234",
            SCHOOL_YEAR,
            [],
            D(2026, 10, 20),
            Closed("school_holiday", "Vacances de la Toussaint"),
        ),
        ("school_days", "01234", SCHOOL_YEAR, [], D(2027, 5, 7), Closed("school_holiday", "Pont de l'Ascension")),
        ("school_days", "01234", SCHOOL_YEAR, [], D(2026, 9, 1), OPEN),
        ("all", "01234", SCHOOL_YEAR, [], D(2027, 7, 6), Closed("out_of_period")),
        ("all", "01234", SCHOOL_YEAR, [], D(2026, 10, 20), OPEN),
        ("holidays_only", "01234", WHOLE_YEAR, [], D(2026, 10, 20), OPEN),
        ("holidays_only", "01234", WHOLE_YEAR, [], D(2026, 11, 10), Closed("not_holidays")),
        ("holidays_only", "01234", WHOLE_YEAR, [], D(2027, 5, 7), OPEN),
        ("holidays_only", "01234", WHOLE_YEAR, [], D(2027, 5, 6), Closed("public_holiday", "Ascension")),
        ("holidays_only", "01234", WHOLE_YEAR, [], D(2026, 10, 17), Closed("weekday")),
        (
            "school_days",
            "01234",
            SCHOOL_YEAR,
            [ClosureRow(1, D(2026, 11, 13), "Grève")],
            D(2026, 11, 13),
            Closed("closure", "Grève"),
        ),
        (
            "school_days",
            "01234",
            SCHOOL_YEAR,
            [ClosureRow(None, D(2026, 11, 13), "Pont")],
            D(2026, 11, 13),
            Closed("closure", "Pont"),
        ),
        ("school_days", "01234", SCHOOL_YEAR, [ClosureRow(2, D(2026, 11, 13), "Autre")], D(2026, 11, 13), OPEN),
    ],
)
def test_day_status(cal_b, calendar, weekdays, periods, closures, day, expected):
    status = rules.day_status(Unit(weekdays=weekdays), Activity(calendar=calendar), periods, closures, cal_b, day)
    assert status == expected
    assert bool(status) is (expected == OPEN)


@pytest.mark.parametrize(
    "zone, day, expected",
    [("B", D(2027, 3, 1), OPEN), ("A", D(2027, 3, 1), Closed("not_holidays")), ("C", D(2027, 2, 8), OPEN)],
)
def test_holiday_activity_follows_the_commune_zone(zone, day, expected):
    cal = rules.build_calendar(zone, None, [2027])
    assert rules.day_status(Unit(), Activity(calendar="holidays_only"), WHOLE_YEAR, [], cal, day) == expected


@pytest.mark.parametrize(
    "weekdays, closures, start, end, expected",
    [
        ("2", [], D(2026, 11, 1), D(2026, 11, 30), [D(2026, 11, 4), D(2026, 11, 18), D(2026, 11, 25)]),
        ("2", [ClosureRow(None, D(2026, 11, 18))], D(2026, 11, 1), D(2026, 11, 30), [D(2026, 11, 4), D(2026, 11, 25)]),
        ("01234", [], D(2026, 10, 26), D(2026, 11, 3), [D(2026, 11, 2), D(2026, 11, 3)]),
        ("01234", [], D(2026, 11, 3), D(2026, 11, 2), []),
    ],
)
def test_open_days(cal_b, weekdays, closures, start, end, expected):
    assert rules.open_days(Unit(weekdays=weekdays), Activity(), SCHOOL_YEAR, closures, cal_b, start, end) == expected


def test_open_days_agrees_with_day_status_over_a_school_year(cal_b):
    unit, activity, closures = Unit(weekdays="0134"), Activity(), [ClosureRow(None, D(2027, 1, 8))]
    start, end = D(2026, 8, 25), D(2027, 7, 10)
    found = rules.open_days(unit, activity, SCHOOL_YEAR, closures, cal_b, start, end)
    each = [
        d
        for d in rules.weekly_pattern_days(start, end, range(7))
        if rules.day_status(unit, activity, SCHOOL_YEAR, closures, cal_b, d)
    ]
    assert found == each
    assert 130 < len(found) < 150  # about 36 weeks of 4 days, less holidays and closures


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    "policy, day, expected",
    [
        (Policy("calendar_days", 2, cutoff=dt.time(10)), D(2026, 11, 20), paris(2026, 11, 18, 10)),
        (Policy("calendar_days", 0, cutoff=dt.time(9)), D(2026, 11, 17), paris(2026, 11, 17, 9)),
        (Policy("calendar_days", 1, cutoff=dt.time(18)), D(2026, 11, 16), paris(2026, 11, 15, 18)),  # a Sunday
        (Policy("calendar_days", 15, cutoff=dt.time(12)), D(2026, 12, 1), paris(2026, 11, 16, 12)),
        # working days: the day itself is not counted; Monday's meal, 2 working days at 10:00 -> Thursday
        (Policy("working_days", 2, cutoff=dt.time(10)), D(2026, 11, 16), paris(2026, 11, 12, 10)),
        (Policy("working_days", 1, cutoff=dt.time(23, 59)), D(2026, 11, 16), paris(2026, 11, 13, 23, 59)),
        (Policy("working_days", 2, cutoff=dt.time(10)), D(2026, 11, 13), paris(2026, 11, 10, 10)),  # skips 11/11
        (Policy("working_days", 1, cutoff=dt.time(23, 59)), D(2026, 5, 4), paris(2026, 4, 30, 23, 59)),  # 1er mai
        (Policy("working_days", 1, cutoff=dt.time(10)), D(2027, 5, 7), paris(2027, 5, 5, 10)),  # Ascension
        (Policy("working_days", 1, cutoff=dt.time(10)), D(2027, 5, 18), paris(2027, 5, 14, 10)),  # Pentecôte
        (Policy("working_days", 0, cutoff=dt.time(9)), D(2026, 11, 16), paris(2026, 11, 16, 9)),
        (Policy("working_days", 3, cutoff=dt.time(10)), D(2027, 1, 4), paris(2026, 12, 29, 10)),  # across a year
        # weekday of the previous ISO week: Wednesday ALSH by the previous Thursday 23:59
        (Policy("weekday_before", weekday=3), D(2026, 11, 18), paris(2026, 11, 12, 23, 59)),
        (Policy("weekday_before", weekday=4, cutoff=dt.time(9)), D(2026, 11, 16), paris(2026, 11, 13, 9)),
        (Policy("weekday_before", weekday=4, cutoff=dt.time(9)), D(2026, 11, 17), paris(2026, 11, 13, 9)),
        (Policy("weekday_before", weekday=4, cutoff=dt.time(9)), D(2026, 11, 22), paris(2026, 11, 13, 9)),  # Sun
        (Policy("weekday_before", weekday=0, cutoff=dt.time(8)), D(2026, 11, 20), paris(2026, 11, 9, 8)),
        (None, D(2026, 11, 20), paris(2026, 11, 20)),
    ],
)
def test_deadline(cal_b, policy, day, expected):
    found = rules.deadline(policy, day, cal_b)
    assert found == expected
    assert found.tzinfo is not None and found.astimezone(PARIS).time() == expected.time()


@pytest.mark.parametrize(
    "policy, day, expected_utc",
    [
        # spring forward on Sunday 29 March 2026: Saturday is UTC+1, Sunday UTC+2
        (Policy("calendar_days", 2, cutoff=dt.time(10)), D(2026, 3, 30), utc(2026, 3, 28, 9)),
        (Policy("calendar_days", 1, cutoff=dt.time(10)), D(2026, 3, 30), utc(2026, 3, 29, 8)),
        (Policy("calendar_days", 0, cutoff=dt.time(2, 30)), D(2026, 3, 29), utc(2026, 3, 29, 1, 30)),  # in the gap
        # fall back on Sunday 25 October 2026
        (Policy("calendar_days", 2, cutoff=dt.time(10)), D(2026, 10, 26), utc(2026, 10, 24, 8)),
        (Policy("calendar_days", 1, cutoff=dt.time(10)), D(2026, 10, 26), utc(2026, 10, 25, 9)),
        (Policy("calendar_days", 0, cutoff=dt.time(2, 30)), D(2026, 10, 25), utc(2026, 10, 25, 0, 30)),  # 1st one
        # spring forward on Sunday 28 March 2027, working days go back over the weekend
        (Policy("working_days", 1, cutoff=dt.time(10)), D(2027, 3, 30), utc(2027, 3, 26, 9)),  # Easter Monday 29
        (Policy("calendar_days", 0, cutoff=dt.time(23, 59)), D(2027, 3, 28), utc(2027, 3, 28, 21, 59)),
        (Policy("weekday_before", weekday=6, cutoff=dt.time(20)), D(2027, 3, 29), utc(2027, 3, 28, 18)),
        (None, D(2027, 3, 29), utc(2027, 3, 28, 22)),
    ],
)
def test_deadline_is_dst_correct(cal_b, policy, day, expected_utc):
    assert rules.deadline(policy, day, cal_b).astimezone(UTC) == expected_utc


@pytest.mark.parametrize(
    "now, allowed",
    [
        (paris(2026, 11, 12, 9, 59, 59), True),
        (paris(2026, 11, 12, 10), False),  # the deadline itself is too late
        (utc(2026, 11, 12, 8, 59), True),  # 09:59 in Paris
        (utc(2026, 11, 12, 9), False),
        (dt.datetime(2026, 11, 12, 4, 0, 1, tzinfo=ZoneInfo("America/New_York")), False),  # 10:00:01 in Paris
        (paris(2026, 11, 16, 12), False),
    ],
)
def test_the_lock_compares_instants(cal_b, now, allowed):
    """Booking and cancelling lock at the deadline itself, whatever the time zone `now` is given in."""
    policy = Policy("working_days", 2, cutoff=dt.time(10))
    limit = rules.deadline(policy, D(2026, 11, 16), cal_b)
    for state in (None, "reserved"):
        lock = rules.slot_lock(state, D(2026, 11, 16), limit, limit, now)
        assert (lock.editable, lock.locked) == (allowed, not allowed)
        assert lock.until == limit


@pytest.mark.parametrize(
    "state, until",
    [
        (None, paris(2026, 11, 13, 18)),  # the booking deadline
        ("reserved", paris(2026, 11, 12, 10)),  # the cancelling deadline
        ("absent", paris(2026, 11, 12, 10)),
        ("waiting", paris(2026, 11, 17)),  # a waiting list can be left until the day is over
    ],
)
def test_change_deadline_is_the_one_lock_of_decide_and_the_agenda(state, until):
    day, booking, cancel = D(2026, 11, 16), paris(2026, 11, 13, 18), paris(2026, 11, 12, 10)
    assert rules.change_deadline(state, day, booking, cancel) == until
    assert rules.change_deadline(state, day, paris(2026, 11, 20), paris(2026, 11, 20)) <= paris(2026, 11, 17)
    lock = rules.slot_lock(state, day, booking, cancel, until - dt.timedelta(seconds=1))
    assert lock.editable is (state != "absent") and not lock.locked
    assert rules.slot_lock(state, day, booking, cancel, until).locked
    assert rules.slot_lock(state, day, booking, cancel, until, by_agent=True).editable


def test_unknown_policy_kind_is_an_error(cal_b):
    with pytest.raises(ValueError):
        rules.deadline(Policy("hours"), D(2026, 11, 16), cal_b)


# --------------------------------------------------------------------------- decisions

DAY = D(2026, 11, 20)  # a Friday
BASE = Change(
    want=True,
    current=None,
    day=DAY,
    now=paris(2026, 11, 16, 8),
    enrolled=True,
    status=OPEN,
    booking_deadline=paris(2026, 11, 18, 10),
    cancel_deadline=paris(2026, 11, 19, 18),
)
LATE_BOOK = paris(2026, 11, 18, 10)
LATE_CANCEL = paris(2026, 11, 19, 18, 0, 1)
PAST = paris(2026, 11, 21, 7)  # the day after
DURING = paris(2026, 11, 20, 7)  # the day itself, early morning


@pytest.mark.parametrize(
    "changes, outcome, after, code",
    [
        ({}, "reserved", "reserved", None),
        ({"capacity": 10, "taken": 9}, "reserved", "reserved", None),
        ({"capacity": 10, "taken": 10}, "waiting", "waiting", None),
        ({"capacity": 0}, "waiting", "waiting", None),
        ({"capacity": 10, "taken": 10, "now": LATE_BOOK}, "refused", None, "late_booking"),
        ({"now": LATE_BOOK}, "refused", None, "late_booking"),
        ({"now": paris(2026, 11, 18, 9, 59, 59)}, "reserved", "reserved", None),
        ({"now": PAST}, "refused", None, "past"),
        ({"now": paris(2026, 11, 25)}, "refused", None, "past"),
        # on the day itself only the deadlines decide (a policy may allow same-day changes until 09:00)
        ({"now": DURING}, "refused", None, "late_booking"),
        ({"now": DURING, "booking_deadline": paris(2026, 11, 20, 9)}, "reserved", "reserved", None),
        ({"now": DURING, "booking_deadline": paris(2026, 11, 20, 9), "capacity": 1, "taken": 1}, "waiting",
         "waiting", None),
        ({"want": False, "current": "reserved", "now": DURING, "cancel_deadline": paris(2026, 11, 20, 9)},
         "cancelled", None, None),
        ({"want": False, "current": "waiting", "now": DURING}, "cancelled", None, None),
        ({"status": Closed("closure", "Grève")}, "refused", None, "closed"),
        ({"enrolled": False}, "refused", None, "not_enrolled"),
        ({"dependency_ok": False}, "refused", None, "dependency"),
        ({"booking_opens": paris(2026, 11, 17)}, "refused", None, "not_open"),
        ({"booking_opens": paris(2026, 11, 16)}, "reserved", "reserved", None),
        # idempotent replays: already in the wanted state, even after the deadlines
        ({"current": "reserved"}, "unchanged", "reserved", None),
        ({"current": "reserved", "now": PAST}, "unchanged", "reserved", None),
        ({"current": "absent"}, "unchanged", "absent", None),
        ({"current": "justified"}, "unchanged", "justified", None),
        ({"current": "waiting", "capacity": 1, "taken": 1}, "still_waiting", "waiting", None),
        ({"want": False, "current": None, "now": PAST}, "unchanged", None, None),
        # cancelling
        ({"want": False, "current": "reserved"}, "cancelled", None, None),
        ({"want": False, "current": "reserved", "now": paris(2026, 11, 19, 17, 59)}, "cancelled", None, None),
        ({"want": False, "current": "reserved", "now": LATE_CANCEL}, "refused", "reserved", "late_cancel"),
        ({"want": False, "current": "absent", "now": LATE_CANCEL}, "refused", "absent", "late_cancel"),
        ({"want": False, "current": "reserved", "now": PAST}, "refused", "reserved", "past"),
        ({"want": False, "current": "waiting", "now": LATE_CANCEL}, "cancelled", None, None),
        ({"want": False, "current": "waiting", "now": PAST}, "refused", "waiting", "past"),
        ({"want": False, "current": "reserved", "blocking_dependents": (2,)}, "refused", "reserved", "dependency"),
        ({"want": False, "current": "reserved", "status": Closed("closure", "Grève")}, "cancelled", None, None),
        ({"want": False, "current": "reserved", "enrolled": False}, "cancelled", None, None),
        # agents bypass deadlines and may correct past days, nothing else
        ({"by_agent": True, "now": LATE_BOOK}, "reserved", "reserved", None),
        ({"by_agent": True, "booking_opens": paris(2026, 11, 17)}, "reserved", "reserved", None),
        ({"by_agent": True, "now": paris(2026, 11, 23)}, "reserved", "reserved", None),
        ({"by_agent": True, "now": paris(2026, 11, 23), "capacity": 5, "taken": 5}, "reserved", "reserved", None),
        ({"by_agent": True, "now": LATE_BOOK, "capacity": 5, "taken": 5}, "waiting", "waiting", None),
        ({"by_agent": True, "status": Closed("public_holiday", "Armistice")}, "refused", None, "closed"),
        ({"by_agent": True, "enrolled": False}, "refused", None, "not_enrolled"),
        ({"by_agent": True, "dependency_ok": False}, "refused", None, "dependency"),
        ({"by_agent": True, "want": False, "current": "reserved", "now": PAST}, "cancelled", None, None),
        (
            {"by_agent": True, "want": False, "current": "reserved", "blocking_dependents": (2,)},
            "refused",
            "reserved",
            "dependency",
        ),
    ],
)
def test_decide(changes, outcome, after, code):
    change = replace(BASE, **changes)
    decision = rules.decide(change)
    assert (decision.outcome, decision.after) == (outcome, after)
    assert decision.before == change.current
    assert decision.ok is (code is None)
    assert (decision.refusal.code if decision.refusal else None) == code
    assert decision.changed is (decision.before != after)


@pytest.mark.parametrize(
    "changes, params",
    [
        ({"now": LATE_BOOK}, {"deadline": paris(2026, 11, 18, 10)}),
        ({"want": False, "current": "reserved", "now": LATE_CANCEL}, {"deadline": paris(2026, 11, 19, 18)}),
        ({"now": PAST}, {"day": DAY}),
        ({"status": Closed("public_holiday", "Armistice")}, {"reason": "public_holiday", "label": "Armistice"}),
        ({"want": False, "current": "reserved", "blocking_dependents": (2, 5)}, {"unit_ids": (2, 5)}),
    ],
)
def test_refusals_carry_what_the_view_needs(changes, params):
    assert rules.decide(replace(BASE, **changes)).refusal.params == params


@pytest.mark.parametrize(
    "changes",
    [{"now": dt.datetime(2026, 11, 16, 8)}, {"current": "cancelled"}],
)
def test_decide_rejects_bad_input(changes):
    with pytest.raises(ValueError):
        rules.decide(replace(BASE, **changes))


@pytest.mark.parametrize(
    "current, capacity, taken, waiting, question",
    [
        ("waiting", 10, 10, 0, "leave_waiting"),  # joining again means the end of the list
        ("waiting", None, 0, 0, "leave_waiting"),
        ("reserved", 10, 5, 2, "release_waiting"),  # the place goes to the others waiting
        ("reserved", 10, 9, 0, "release_full"),  # the last places of a full day (9 others + this child)
        ("reserved", 10, 8, 0, None),  # a place left: nothing lost
        ("reserved", None, 50, 0, None),  # no limit on places
        ("absent", 10, 9, 1, "release_waiting"),
        (None, 10, 10, 3, None),
    ],
)
def test_confirmation(current, capacity, taken, waiting, question):
    assert rules.confirmation(current, capacity, taken, waiting) == question


@pytest.mark.parametrize(
    "changes, outcome, question",
    [
        ({"current": "reserved", "capacity": 2, "taken": 1}, "confirm", "release_full"),
        ({"current": "reserved", "capacity": 5, "taken": 1, "waiting": 1}, "confirm", "release_waiting"),
        ({"current": "waiting"}, "confirm", "leave_waiting"),
        ({"current": "reserved", "capacity": 5, "taken": 1}, "cancelled", None),
        ({"current": "reserved", "capacity": 2, "taken": 1, "confirmed": True}, "cancelled", None),
        ({"current": "waiting", "confirmed": True}, "cancelled", None),
        ({"current": "reserved", "capacity": 2, "taken": 1, "by_agent": True}, "cancelled", None),  # agents
        # a refusal stays a refusal: nothing to ask
        ({"current": "reserved", "capacity": 2, "taken": 1, "now": LATE_CANCEL}, "refused", None),
        ({"current": "waiting", "now": PAST}, "refused", None),
    ],
)
def test_giving_up_a_place_others_want_is_asked_first(changes, outcome, question):
    decision = rules.decide(replace(BASE, **{"want": False, "confirmed": False, **changes}))
    assert (decision.outcome, decision.question) == (outcome, question)
    if outcome == "confirm":
        assert decision.after == decision.before and not decision.changed and decision.ok


def test_a_freed_place_is_given_until_the_cancelling_deadline_and_never_on_the_day():
    assert rules.promotion_deadline(DAY, paris(2026, 11, 19, 18)) == paris(2026, 11, 19, 18)
    assert rules.promotion_deadline(DAY, paris(2026, 11, 20, 9)) == paris(2026, 11, 20, 0)


# Wednesday: morning (1), meal (2) needing the morning or the afternoon, afternoon (3)
MORNING, MEAL, AFTERNOON = Unit(1, "2"), Unit(2, "2", "1,3"), Unit(3, "2")
UNITS = [MORNING, MEAL, AFTERNOON]


@pytest.mark.parametrize(
    "unit, held_after, ok",
    [
        (MEAL, set(), False),
        (MEAL, {2}, False),
        (MEAL, {1, 2}, True),
        (MEAL, {2, 3}, True),
        (MORNING, set(), True),
    ],
)
def test_dependency_satisfied(unit, held_after, ok):
    assert rules.dependency_satisfied(unit, held_after) is ok


@pytest.mark.parametrize(
    "unit, held_after, blocking",
    [
        (MORNING, {2}, (2,)),  # the meal would be left without a half-day
        (MORNING, {1, 2}, (2,)),  # the cancelled unit itself never counts
        (MORNING, {2, 3}, ()),  # the afternoon still carries the meal
        (MORNING, set(), ()),  # the meal is cancelled in the same request
        (AFTERNOON, {1, 2}, ()),
        (MEAL, {1, 3}, ()),
    ],
)
def test_dependents_blocking_cancel(unit, held_after, blocking):
    assert rules.dependents_blocking_cancel(unit, UNITS, held_after) == blocking


def test_wednesday_meal_and_half_day_journey():
    """Book a meal alone: refused; with the morning: ok; cancel the morning alone: refused; both: ok."""
    assert rules.decide(replace(BASE, dependency_ok=rules.dependency_satisfied(MEAL, {2}))).refusal.code == (
        "dependency"
    )
    assert rules.decide(replace(BASE, dependency_ok=rules.dependency_satisfied(MEAL, {1, 2}))).after == "reserved"
    alone = rules.dependents_blocking_cancel(MORNING, UNITS, {2})
    both = rules.dependents_blocking_cancel(MORNING, UNITS, set())
    cancel = replace(BASE, want=False, current="reserved")
    assert rules.decide(replace(cancel, blocking_dependents=alone)).refusal.code == "dependency"
    assert rules.decide(replace(cancel, blocking_dependents=both)).outcome == "cancelled"


@pytest.mark.parametrize(
    "states, taken",
    [((), 0), (("reserved", "absent", "justified"), 3), (("waiting", "waiting", "reserved"), 1)],
)
def test_count_taken(states, taken):
    assert rules.count_taken(Entry(i, i, utc(2026, 11, 1), s) for i, s in enumerate(states)) == taken


# --------------------------------------------------------------------------- waiting list

QUEUE = [
    Entry(3, child_id=7, requested_at=utc(2026, 11, 2, 9, 0, 5)),
    Entry(9, child_id=8, requested_at=paris(2026, 11, 2, 10, 0, 1)),  # 09:00:01 UTC, same instant as child 9
    Entry(4, child_id=9, requested_at=utc(2026, 11, 2, 9, 0, 1)),
    Entry(1, child_id=10, requested_at=utc(2026, 11, 1), state="reserved"),  # not on the list
]


def test_the_waiting_list_is_first_come_first_served():
    """Same instant given in two time zones: the smaller id first; a reserved entry is not on the list."""
    assert [e.child_id for e in rules.next_to_promote(QUEUE, None, 0)] == [9, 8, 7]


@pytest.mark.parametrize(
    "capacity, taken, promoted",
    [(10, 8, [9, 8]), (10, 9, [9]), (10, 10, []), (10, 12, []), (10, 0, [9, 8, 7]), (None, 50, [9, 8, 7])],
)
def test_next_to_promote(capacity, taken, promoted):
    assert [e.child_id for e in rules.next_to_promote(QUEUE, capacity, taken)] == promoted


# --------------------------------------------------------------------------- absences


@pytest.mark.parametrize(
    "state, passed, effect",
    [
        ("reserved", False, "cancel"),
        ("reserved", True, "absent"),
        ("waiting", False, "cancel"),
        ("waiting", True, "cancel"),
        ("absent", True, None),
        ("justified", True, None),
        (None, False, None),
    ],
)
def test_absence_effect(state, passed, effect):
    assert rules.absence_effect(state, passed) == effect


@pytest.mark.parametrize(
    "end, hours, expected",
    [
        (D(2026, 11, 16), 48, paris(2026, 11, 19)),
        (D(2026, 11, 16), 72, paris(2026, 11, 20)),
        (D(2026, 11, 16), 0, paris(2026, 11, 17)),
        (D(2026, 11, 16), 36, paris(2026, 11, 18, 12)),
        (D(2026, 10, 23), 48, utc(2026, 10, 25, 23)),  # Monday 00:00 UTC+1 after the October change
        (D(2026, 3, 27), 48, utc(2026, 3, 29, 22)),  # Monday 00:00 UTC+2 after the March change
    ],
)
def test_justification_deadline(end, hours, expected):
    assert rules.justification_deadline(end, hours) == expected


@pytest.mark.parametrize(
    "now, hours, allowed",
    [
        (paris(2026, 11, 18, 23, 59, 59), 48, True),
        (paris(2026, 11, 19), 48, False),
        (paris(2026, 11, 19, 12), 72, True),
        (paris(2027, 6, 1), None, True),
        (paris(2026, 11, 12), 48, True),  # before the absence: still within its window
    ],
)
def test_can_justify(now, hours, allowed):
    assert rules.can_justify(AbsenceRow(D(2026, 11, 13), D(2026, 11, 16)), hours, now) is allowed


# --------------------------------------------------------------------------- bulk


@pytest.mark.parametrize(
    "start, end, weekdays, expected",
    [
        (D(2026, 11, 1), D(2026, 11, 14), {0, 3}, [D(2026, 11, 2), D(2026, 11, 5), D(2026, 11, 9), D(2026, 11, 12)]),
        (D(2026, 11, 2), D(2026, 11, 2), {0}, [D(2026, 11, 2)]),
        (D(2026, 11, 1), D(2026, 11, 30), set(), []),
        (D(2026, 11, 30), D(2026, 11, 1), {0, 1, 2, 3, 4}, []),
    ],
)
def test_weekly_pattern_days(start, end, weekdays, expected):
    assert rules.weekly_pattern_days(start, end, weekdays) == expected


# --------------------------------------------------------------------------- policies as data


def test_describe_policy():
    policy = Policy("weekday_before", weekday=3, cutoff=dt.time(23, 59))
    assert rules.describe_policy(policy, "book") == ("book", "weekday_before", 0, 3, dt.time(23, 59))
    assert rules.describe_policy(None, "cancel") == ("cancel", None, 0, None, None)
    with pytest.raises(ValueError):
        rules.describe_policy(policy, "reserve")
