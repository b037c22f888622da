"""Allergens on the agenda (#9): where a child's declared allergies match the day's menu at the child's school, the
meal slot of the family's agenda says so ("Menu du jour : contient arachide"), and so does the family planning
where the meal is booked; never on an agent's agenda (health data); one query for the month's menus."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event
from support import csrf_from, enroll, text_of

from models import ChildHealth, MenuDish, Reservation, School, db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # Tuesday 17 November 2026
MON, TUE, THU = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 26)


@pytest.fixture
def world(app, make_family, make_activity, make_agent):
    app.config["CLOCK"] = lambda: NOW

    class World:
        pass

    w = World()
    w.app = app
    w.ferry, w.moulin = School(name="École Jules-Ferry"), School(name="École du Moulin")
    db.session.add_all([w.ferry, w.moulin])
    db.session.commit()
    w.family, w.parent, (w.lea, w.hugo) = make_family("Martin", children=("Léa", "Hugo"), school=w.ferry)
    w.hugo.school = w.moulin
    w.activity, w.meal, period = make_activity()
    enroll(w.lea, w.activity, period)
    enroll(w.hugo, w.activity, period)
    db.session.add(ChildHealth(child_id=w.lea.id, allergies="Allergie aux cacahuètes et à l'œuf (PAI)"))
    db.session.add(ChildHealth(child_id=w.hugo.id, allergies="arachide"))
    dishes = [(w.ferry, MON, "Poulet sauce satay", "peanuts,soy"), (w.ferry, MON, "Yaourt", "milk"),
              (w.ferry, TUE, "Riz", ""), (w.ferry, THU, "Omelette", "eggs,milk"),
              (w.moulin, THU, "Omelette", "eggs,milk"), (w.moulin, MON, "Poulet sauce satay", "peanuts")]
    db.session.add_all([MenuDish(school_id=s.id, day=d, course="main", name=n, allergens=a) for s, d, n, a in dishes])
    db.session.commit()
    w.agent = make_agent()
    return w


def login(client, user):
    page = client.get("/connexion")
    assert client.post("/connexion", data={"email": user.email, "password": "Un-mot-de-passe-solide-2026",
                                           "csrf_token": csrf_from(page.text)}).status_code == 302


def fieldset(page: str, day: dt.date) -> str:
    match = re.search(rf'<fieldset[^>]*id="jour-{day.isoformat()}"(.*?)</fieldset>', page, re.S)
    assert match, f"no fieldset for {day}"
    return text_of(match[1])


def test_the_meal_slot_says_what_the_menu_contains(world, client):
    login(client, world.parent)
    page = client.get(f"/enfants/{world.lea.id}/agenda/2026-11").text
    assert "Menu du jour : contient arachide Voir le menu" in fieldset(page, MON)
    assert "Menu du jour : contient œufs" in fieldset(page, THU)
    assert "Menu du jour" not in fieldset(page, TUE)  # rice: nothing Léa is allergic to
    assert f'href="/menus/{world.ferry.id}/semaine/2026-11-23"' in page
    hugo = client.get(f"/enfants/{world.hugo.id}/agenda/2026-11").text  # another school's menu
    assert "Menu du jour : contient arachide" in fieldset(hugo, MON)
    assert "Menu du jour" not in fieldset(hugo, THU)  # eggs: not declared for Hugo
    week = client.get(f"/enfants/{world.lea.id}/agenda/semaine/2026-11-23").text
    assert "Menu du jour : contient arachide" in fieldset(week, MON)


def test_no_warning_without_declared_allergies_or_without_school(world, client):
    db.session.get(ChildHealth, world.lea.health.id).allergies = "Aucune"
    world.hugo.school_id = None
    db.session.commit()
    login(client, world.parent)
    assert "Menu du jour" not in client.get(f"/enfants/{world.lea.id}/agenda/2026-11").text
    assert "Menu du jour" not in client.get(f"/enfants/{world.hugo.id}/agenda/2026-11").text


def test_an_agents_agenda_does_not_reveal_allergies(world, client):
    login(client, world.agent)
    page = client.get(f"/gestion/enfants/{world.lea.id}/agenda/2026-11")
    assert page.status_code == 200 and "Menu du jour" not in page.text


def test_the_family_planning_warns_where_the_meal_is_booked(world, client):
    db.session.add_all([Reservation(child_id=world.lea.id, unit_id=world.meal.id, date=MON, requested_at=NOW),
                        Reservation(child_id=world.hugo.id, unit_id=world.meal.id, date=THU, requested_at=NOW)])
    db.session.commit()
    login(client, world.parent)
    page = client.get("/planning/semaine/2026-11-23").text
    row = re.search(r'<tr id="jour-2026-11-23"[^>]*>(.*?)</tr>', page, re.S)[1]
    assert "Repas Menu du jour : contient arachide" in text_of(row)
    thursday = text_of(re.search(r'<tr id="jour-2026-11-26"[^>]*>(.*?)</tr>', page, re.S)[1])
    assert "Menu du jour" not in thursday  # Léa has nothing booked, Hugo's menu has no peanut
    month = text_of(client.get("/planning/mois/2026-11").text)
    assert "Léa : Repas — Menu du jour : contient arachide" in month


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def queries(client, url) -> int:
    db.session.expire_all()
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def test_one_query_for_the_months_menus_whatever_the_number_of_days(world, client):
    login(client, world.parent)
    url, planning = f"/enfants/{world.lea.id}/agenda/2026-12", "/planning/mois/2026-12"
    client.get(url)  # warm the caches
    client.get(planning)
    empty, empty_planning = queries(client, url), queries(client, planning)
    day = dt.date(2026, 12, 1)
    while day.month == 12:
        db.session.add(MenuDish(school_id=world.ferry.id, day=day, course="main", name="Satay", allergens="peanuts"))
        db.session.add(MenuDish(school_id=world.ferry.id, day=day, course="dessert", name="Flan", allergens="eggs"))
        day += dt.timedelta(days=1)
    db.session.commit()
    full = queries(client, url)
    assert full == empty
    assert text_of(client.get(url).text).count("Menu du jour : contient œufs, arachide") >= 8  # the regulation's order
    assert queries(client, planning) == empty_planning
