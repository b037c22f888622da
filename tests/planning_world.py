"""The Martin and Bernard families of the planning and feed tests (a pytest plugin: see tests/conftest.py).
Tuesday 17 November 2026, 09:00 in Paris; Léa and Hugo booked in the three school-day slots in mixed states."""

from __future__ import annotations

import datetime as dt

import pytest
from support import enroll

from models import Reservation, db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # Tuesday 17 November 2026, 09:00 in Paris
MON, TUE, WED, THU, FRI = (dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5))


@pytest.fixture
def planning_clock(app):
    app.config["CLOCK"] = lambda: NOW


@pytest.fixture
def units(make_activity):
    """The three school-day slots of the demo commune: morning, meal, evening (Mon, Tue, Thu, Fri)."""
    return {
        "morning": make_activity(code="accueil-matin", slot="morning", label="Accueil du matin"),
        "meal": make_activity(code="restauration", slot="meal", label="Repas"),
        "evening": make_activity(code="accueil-soir", slot="afternoon", label="Accueil du soir"),
    }


def book(child, unit, day, state="reserved"):
    db.session.add(
        Reservation(
            child_id=child.id, unit_id=unit.id, date=day, state=state, requested_at=dt.datetime(2026, 10, 1, tzinfo=UTC)
        )
    )
    db.session.commit()


@pytest.fixture
def martins(make_family, units):
    """Léa and Hugo Martin, enrolled in the three slots, with a week of mixed states."""
    _family, user, (hugo, lea) = make_family("Martin", children=("Hugo", "Léa"))  # Léa is the elder: listed first
    for activity, _unit, period in units.values():
        enroll(lea, activity, period)
        enroll(hugo, activity, period)
    morning, meal, evening = (units[k][1] for k in ("morning", "meal", "evening"))
    book(lea, morning, MON)
    book(lea, meal, MON)
    book(lea, meal, TUE, "absent")
    book(lea, meal, THU, "waiting")
    book(hugo, evening, MON)
    book(hugo, meal, FRI)
    book(hugo, evening, FRI, "justified")
    return user, lea, hugo


@pytest.fixture
def bernards(make_family, make_activity, units):
    """Another family, booked the same days, with a slot label nobody else has."""
    _family, user, (chloe,) = make_family("Bernard", children=("Chloé",))
    activity, study, period = make_activity(code="etude", slot="afternoon", label="Étude surveillée")
    enroll(chloe, activity, period)
    for day in (MON, TUE, THU, FRI):
        book(chloe, study, day)
    book(chloe, units["meal"][1], MON)
    return user, chloe


