"""Rules of supporting documents, table-driven: validity from the date written on a document, where a document
stands on a day, what the family may do with it, and the dates a family or an agent may give."""

from __future__ import annotations

import datetime as dt

import pytest

from blueprints.documents import rules

D = dt.date
TODAY = D(2026, 11, 23)


@pytest.mark.parametrize("day, months, expected", [
    (D(2026, 9, 10), 3, D(2026, 12, 10)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),  # no 30 February: the last day of the month
    (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 12, 15), 12, D(2027, 12, 15)),
    (D(2026, 10, 1), 14, D(2027, 12, 1)),
])
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize("day, expected", [
    (D(2026, 9, 1), D(2027, 8, 31)),
    (D(2026, 12, 31), D(2027, 8, 31)),
    (D(2027, 1, 1), D(2027, 8, 31)),
    (D(2027, 8, 31), D(2027, 8, 31)),  # still the ending year
    (D(2027, 9, 1), D(2028, 8, 31)),
])
def test_school_year_end(day, expected):
    assert rules.school_year_end(day) == expected


@pytest.mark.parametrize("validity, months, day, expected", [
    ("months", 3, D(2026, 9, 10), (D(2026, 9, 10), D(2026, 12, 9))),  # "moins de 3 mois": the day before
    ("months", 12, D(2026, 3, 1), (D(2026, 3, 1), D(2027, 2, 28))),
    ("school_year", None, D(2026, 10, 5), (D(2026, 10, 5), D(2027, 8, 31))),
    ("none", None, D(2020, 5, 4), (D(2020, 5, 4), None)),
    ("months", 3, None, (None, None)),  # no date given: no computed period
    ("none", None, None, (None, None)),
])
def test_validity_period(validity, months, day, expected):
    assert rules.validity_period(validity, months, day) == expected


@pytest.mark.parametrize("status, valid_until, expected", [
    ("submitted", D(2027, 2, 1), "submitted"),
    ("submitted", None, "submitted"),
    ("submitted", D(2026, 11, 22), "expired"),  # expired before an agent looked at it
    ("validated", None, "valid"),
    ("validated", D(2027, 8, 31), "valid"),
    ("validated", D(2026, 12, 24), "valid"),  # 31 days ahead
    ("validated", D(2026, 12, 23), "expiring"),  # 30 days ahead: "expire bientôt"
    ("validated", D(2026, 11, 23), "expiring"),  # its last valid day is today
    ("validated", D(2026, 11, 22), "expired"),
    ("refused", D(2027, 2, 1), "refused"),
    ("refused", D(2020, 1, 1), "refused"),  # refused stays refused
])
def test_state(status, valid_until, expected):
    assert rules.state(status, valid_until, TODAY) == expected


@pytest.mark.parametrize("state, include_submitted, expected", [
    ("valid", False, True), ("expiring", False, True), ("submitted", False, False), ("submitted", True, True),
    ("expired", True, False), ("refused", True, False),
])
def test_usable(state, include_submitted, expected):
    assert rules.usable(state, include_submitted) is expected


@pytest.mark.parametrize("status, used, expected", [
    ("submitted", False, True), ("submitted", True, False), ("validated", False, False), ("refused", False, False),
])
def test_can_delete(status, used, expected):
    assert rules.can_delete(status, used) is expected


@pytest.mark.parametrize("state, expected", [
    ("refused", True), ("expired", True), ("expiring", True), ("valid", False), ("submitted", False),
])
def test_can_replace(state, expected):
    assert rules.can_replace(state) is expected


@pytest.mark.parametrize("validity, months, day, expected", [
    ("months", 3, None, "required"),
    ("school_year", None, None, "required"),
    ("none", None, None, None),  # a judgement, a RIB: the date is optional
    ("months", 3, D(2026, 11, 24), "future"),
    ("none", None, D(2026, 11, 24), "future"),
    ("months", 3, D(2026, 8, 23), "expired"),  # valid until 22 November
    ("months", 3, D(2026, 8, 24), None),  # valid until 23 November: today still
    ("school_year", None, D(2026, 8, 31), "expired"),  # last school year
    ("school_year", None, D(2026, 9, 1), None),
    ("none", None, D(2001, 1, 1), None),
])
def test_date_problem(validity, months, day, expected):
    assert rules.date_problem(validity, months, day, TODAY) == expected


@pytest.mark.parametrize("start, end, expected", [
    (D(2026, 11, 2), D(2027, 2, 1), None), (D(2026, 11, 2), D(2026, 11, 2), None),
    (D(2026, 11, 2), D(2026, 11, 1), "order"), (None, D(2026, 11, 1), None), (D(2026, 11, 2), None, None),
])
def test_dates_problem(start, end, expected):
    assert rules.dates_problem(start, end) == expected
