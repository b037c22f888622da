"""The small world of the back-office operations tests (closures, occupancy lists, history): the `ops` fixture
(a pytest plugin, see tests/conftest.py) and the days and instants the tests name.

The canteen runs Mon, Tue, Thu, Fri with a morning unit and a meal that needs it (2 places); the clock is Sunday
22 November 2026, 19 h; `client` is logged in as an agent. On Tuesday 24: Léa (Martin) and Inès (Bernard) hold the
morning and the meal, Hugo (Bernard) holds the morning and waits for the meal; Léa also holds Thursday's meal and
Tuesday's study (another activity).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from support import csrf_from, enroll

from models import Reservation, School, Unit, db

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 22, 19, 0, tzinfo=PARIS)
MON_23, TUE_24, WED_25, THU_26, FRI_27, MON_30 = (dt.date(2026, 11, d) for d in (23, 24, 25, 26, 27, 30))
ASKED = NOW - dt.timedelta(days=3)


def token(client) -> str:
    return csrf_from(client.get("/gestion/").get_data(as_text=True))


@pytest.fixture
def ops(app, client, make_family, make_activity, make_agent, login_as):
    app.config["CLOCK"] = lambda: NOW
    school = School(name="École Jean-de-La-Fontaine")
    db.session.add(school)
    db.session.commit()
    martin, martin_parent, (lea,) = make_family(school=school)
    bernard, bernard_parent, (hugo, ines) = make_family(name="Bernard", children=("Hugo", "Inès"), school=school)
    activity, meal, period = make_activity()
    morning = Unit(activity_id=activity.id, slot="morning", label="Accueil du matin", weekdays="0134", position=0)
    db.session.add(morning)
    db.session.flush()
    meal.capacity, meal.requires_one_of, meal.position = 2, str(morning.id), 1
    study_activity, study, study_period = make_activity(code="etude", slot="afternoon", label="Étude")
    for child in (lea, hugo, ines):
        enroll(child, activity, period)
    enroll(lea, study_activity, study_period)
    booked = [(lea, morning, TUE_24, "reserved", 0), (lea, meal, TUE_24, "reserved", 1),
              (ines, morning, TUE_24, "reserved", 2), (ines, meal, TUE_24, "justified", 3),
              (hugo, morning, TUE_24, "reserved", 4), (hugo, meal, TUE_24, "waiting", 5),
              (lea, meal, THU_26, "reserved", 6), (lea, study, TUE_24, "reserved", 7)]
    for child, unit, day, state, minutes in booked:
        db.session.add(Reservation(child_id=child.id, unit_id=unit.id, date=day, state=state,
                                   requested_at=ASKED + dt.timedelta(minutes=minutes)))
    db.session.commit()
    agent = make_agent()
    login_as(agent)
    return SimpleNamespace(agent=agent, martin=martin, martin_parent=martin_parent, bernard=bernard,
                           bernard_parent=bernard_parent, lea=lea, hugo=hugo, ines=ines, activity=activity,
                           meal=meal, morning=morning, period=period, study=study, study_activity=study_activity,
                           school=school)
