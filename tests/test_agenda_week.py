# ruff: noqa: F811  (`world` is a fixture imported from test_reservations_views)
"""A month on a phone is some fourteen screens (issue #6, item 6): the agenda opens on the current week, one week per
page with real links to the weeks around it and to the whole month (no JavaScript needed); school-holiday weeks say
so instead of showing nothing; a slot label shared by two services says which one; with htmx the no-JS
"Enregistrer" button is hidden by the stylesheet."""

from __future__ import annotations

import datetime as dt

from support import enroll
from test_reservations_views import (
    NOVEMBER,
    TUE_24,
    QueryCounter,
    dom,
    key,
    leisure_centre,
    month_url,
    region,
    reservations,
    title,
    toggle,
    token,
    week_url,
    world,  # noqa: F401  (the fixture: Léa, the canteen, Sunday 22 November 19 h)
)

from models import db


def legends(response) -> list[str]:
    return [f.find_all("legend")[0].text() for f in dom(response).find_all("fieldset")]


def links_of(response, label: str) -> dict[str, str]:
    nav = dom(response).find_all("nav", aria_label=label)[0]
    return {a.text(): a.attrs["href"] for a in nav.find_all("a")}


def test_the_week_page_shows_one_week_with_links_around_it(client, world):
    response = client.get(week_url(world.lea))
    assert response.status_code == 200
    assert title(response).startswith("Agenda de Léa — semaine du lundi 23 novembre 2026 — ")
    assert dom(response).find_all("h1")[0].text() == "Agenda de Léa — semaine du lundi 23 novembre 2026"
    assert legends(response) == ["Lundi 23 novembre", "Mardi 24 novembre", "Jeudi 26 novembre", "Vendredi 27 novembre"]
    assert links_of(response, "Changer de semaine") == {
        "Semaine précédente : semaine du lundi 16 novembre": week_url(world.lea, "2026-11-16"),
        "Semaine suivante : semaine du lundi 30 novembre": week_url(world.lea, "2026-11-30"),
        "Cette semaine": week_url(world.lea, "2026-11-16"),  # the clock is Sunday 22: another week
        "Tout le mois de novembre 2026": month_url(world.lea),
    }
    # The rules are stated once, the same form as the month (no JS: "Enregistrer"), posting to the week.
    body = response.get_data(as_text=True)
    assert "Restauration : Réservation possible jusqu'à la veille à 18 h." in dom(response).text()
    assert f'<form method="post" action="{week_url(world.lea)}" class="agenda" novalidate>' in body
    assert 'class="save-bar"' in body and 'class="hint js-only"' in body  # site.css hides the bar under .js


def test_a_week_across_two_months_links_to_the_month_it_is_mostly_in(client, world):
    response = client.get(week_url(world.lea, "2026-11-30"))
    assert legends(response) == ["Lundi 30 novembre", "Mardi 1er décembre", "Jeudi 3 décembre", "Vendredi 4 décembre"]
    assert links_of(response, "Changer de semaine")["Tout le mois de décembre 2026"] == month_url(world.lea, "2026-12")


def test_the_month_page_links_to_the_current_week(client, world):
    links = links_of(client.get(month_url(world.lea)), "Changer de mois")
    assert links["Cette semaine seulement"] == week_url(world.lea, "2026-11-16")


def test_a_day_in_the_week_is_its_monday_and_nonsense_is_not_found(client, world):
    response = client.get(week_url(world.lea, "2026-11-26"))
    assert response.status_code == 302 and response.headers["Location"].endswith(week_url(world.lea))
    for bad in ("2026-13-01", "lundi", "1999-11-22", "2026-11-2", "20261123"):
        assert client.get(week_url(world.lea, bad)).status_code == 404, bad


def test_the_week_form_saves_without_javascript_and_comes_back_to_the_week(client, world):
    data = {"csrf_token": token(client), "shown": f"{world.meal.id}:2026-11-24", f"s-{key(world.meal, TUE_24)}": "1"}
    response = client.post(week_url(world.lea), data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(week_url(world.lea))
    assert region(client.get(response.headers["Location"]), "status") == "Repas du mardi 24 novembre réservé."
    assert reservations(world.lea) == {(world.meal.id, TUE_24): "reserved"}


def test_another_familys_week_is_not_found(client, world, make_family):
    _, _, (stranger,) = make_family(name="Bernard", children=("Chloé",))
    assert client.get(week_url(stranger)).status_code == 404
    assert client.post(week_url(stranger), data={"csrf_token": token(client)}).status_code == 404
    assert client.post(week_url(world.lea), data={}).status_code == 400  # CSRF


def test_school_holiday_weeks_say_so(client, world):
    """Léa only goes to the canteen: the Christmas weeks have no day for her, and say why."""
    week = client.get(week_url(world.lea, "2026-12-21"))
    assert "Pas d'accueil pour Léa cette semaine (Vacances de Noël)." in dom(week).find_all("main")[0]
    assert not dom(week).find_all("fieldset")
    assert 'class="save-bar"' not in week.get_data(as_text=True)  # nothing to save that week
    month = dom(client.get(month_url(world.lea, "2026-12")))
    headings = [h.text() for h in month.find_all("h2") if h.attrs.get("id", "").startswith("semaine-")]
    assert headings == ["Semaine du lundi 30 novembre", "Semaine du lundi 7 décembre", "Semaine du lundi 14 décembre",
                        "Semaine du lundi 21 décembre : Vacances de Noël",
                        "Semaine du lundi 28 décembre : Vacances de Noël"]
    christmas = month.by_id("semaine-52").parent
    assert "Pas d'accueil pour Léa cette semaine (Vacances de Noël)." in christmas
    week_nav = [a.text() for a in month.find_all("nav", aria_label="Semaines du mois")[0].find_all("a")]
    assert week_nav[-1] == "Semaine du lundi 28 décembre : Vacances de Noël"
    august = client.get(month_url(world.lea, "2027-08"))
    assert "Aucun jour d'accueil ce mois-ci pour Léa (Vacances d'été)." in dom(august).find_all("main")[0]


def test_a_holiday_week_with_holiday_activities_shows_them_under_its_name(client, world, make_activity):
    _, unit, period = make_activity(code="alsh-vacances", label="Repas", weekdays="01234", calendar="holidays_only")
    enroll(world.lea, unit.activity, period)
    week = dom(client.get(week_url(world.lea, "2026-12-21")))
    heading = [h.text() for h in week.find_all("h2") if h.attrs.get("id", "").startswith("semaine-")]
    assert heading == ["Semaine du lundi 21 décembre : Vacances de Noël"]
    assert [f.find_all("legend")[0].text() for f in week.find_all("fieldset")] == [
        "Lundi 21 décembre", "Mardi 22 décembre", "Mercredi 23 décembre", "Jeudi 24 décembre"]  # 25: Noël
    assert week.by_id("jour-2026-12-25").text() == "Vendredi 25 décembre : Fermé (Noël)"
    # Two services have a "Repas" for Léa: each one says which.
    label = week.find_all("label", for_=f"cb-{key(unit, dt.date(2026, 12, 21))}")[0]
    assert label.text() == "Repas (alsh-Vacances) du lundi 21 décembre"
    assert week.find_all("label", for_=f"cb-{key(world.meal, dt.date(2026, 11, 24))}") == []


def test_the_service_is_named_in_what_a_toggle_says_only_when_ambiguous(client, world, make_activity):
    response = toggle(client, world.lea, world.meal, TUE_24, True)
    assert region(response, "status") == "Repas du mardi 24 novembre réservé."
    leisure = leisure_centre(make_activity)
    enroll(world.lea, leisure.activity, leisure.period)
    response = toggle(client, world.lea, world.meal, TUE_24, False)
    assert region(response, "status") == "Repas (restauration) du mardi 24 novembre annulé."
    label = dom(response).find_all("label", for_=f"cb-{key(world.meal, TUE_24)}")[0]
    assert label.text() == "Repas (restauration) du mardi 24 novembre"


def test_the_week_page_costs_no_more_queries_than_the_month(app, client, world, make_activity):
    leisure = leisure_centre(make_activity, capacity=2)
    enroll(world.lea, leisure.activity, leisure.period)
    client.get(month_url(world.lea))  # warm caches

    def count(url):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        return counter.count

    assert count(week_url(world.lea)) <= count(month_url(world.lea, NOVEMBER))
