"""Statistics: bookings, estimated presences vs absences (attendance rate), meals per site and month, for a school
year; the page shows a chart and a table of the same figures; CSV; direction and régie only."""

from __future__ import annotations

import datetime as dt

import pytest
from support import csrf_from, text_of

from blueprints.admin import rules, statistics
from models import Reservation, School, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 11, 23)


def test_rules():
    assert rules.school_year_of(dt.date(2026, 8, 31)) == 2025 and rules.school_year_of(TODAY) == 2026
    assert rules.school_year_months(2026)[0] == (2026, 9) and rules.school_year_months(2026)[-1] == (2027, 8)
    assert rules.attendance_rate(3, 1) == 0.75 and rules.attendance_rate(0, 0) is None
    assert rules.bar_widths([None, 0, 5, 10]) == [0, 0, 50.0, 100.0] and rules.bar_widths([0, 0]) == [0.0, 0.0]


@pytest.fixture
def world(app, make_family, make_activity, make_agent):
    app.config["CLOCK"] = lambda: NOW
    school = School(name="École Œillets")
    db.session.add(school)
    db.session.commit()
    _f, _p, (zoe, mael) = make_family("Lefèvre", children=("Zoé", "Maël"), school=school)
    _activity, meal, _period = make_activity()
    days = [dt.date(2026, 11, d) for d in (2, 3, 5, 30)] + [dt.date(2026, 10, 5)]
    rows = [Reservation(child_id=zoe.id, unit_id=meal.id, date=d, state="reserved") for d in days]
    rows += [Reservation(child_id=mael.id, unit_id=meal.id, date=dt.date(2026, 11, 2), state="absent"),
             Reservation(child_id=mael.id, unit_id=meal.id, date=dt.date(2026, 11, 3), state="waiting"),
             Reservation(child_id=mael.id, unit_id=meal.id, date=dt.date(2025, 11, 3), state="reserved")]
    db.session.add_all(rows)
    db.session.commit()
    return {"direction": make_agent("direction@example.org"), "school": school}


def test_year_stats(world):
    stats = statistics.year_stats(2026, TODAY)
    november = stats.months[2]
    assert (november.year, november.month) == (2026, 11)
    assert (november.booked, november.present, november.absent, november.meals) == (5, 3, 1, 4)
    assert november.rate == 0.75
    assert november.meals_by_site == {"École Œillets": 4}
    assert stats.totals.booked == 6 and stats.sites == ["École Œillets"]


def test_page_and_csv(client, login_as, world, make_agent):
    login_as(world["direction"])
    page = client.get("/gestion/statistiques?annee=2026")
    assert page.status_code == 200
    body = text_of(page)
    assert "Taux de présence par mois" in body and "75 %" in body and "<svg" in page.text
    assert "École Œillets" in body
    assert client.get("/gestion/statistiques?annee=abc").status_code == 200
    assert client.get("/gestion/statistiques?annee=99999999999999").status_code == 200
    answer = client.get("/gestion/statistiques.csv?annee=2026")
    lines = answer.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mois;Places réservées;Présences (estimées);Absences;Taux de présence (%);Repas")
    assert "2026-11;5;3;1;75,0;4;4" in lines
    accueil = make_agent("accueil@example.org")
    accueil.agent_role = "accueil"
    db.session.commit()
    client.post("/deconnexion", data={"csrf_token": csrf_from(page.text)})
    login_as(accueil)
    assert client.get("/gestion/statistiques").status_code == 403
