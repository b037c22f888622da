"""The family planning: week table, month list, navigation, isolation between families."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import icalendar
import pytest
from planning_world import FRI, MON, NOW, THU, TUE, WED
from sqlalchemy import event
from support import enroll, links, main_of, text_of

from models import Reservation, db

pytestmark = pytest.mark.usefixtures("planning_clock")


def row(page: str, day: dt.date) -> list[str]:
    """The cells of the week table's row for `day`: [day header, child 1, child 2, ...]."""
    match = re.search(rf'<tr id="jour-{day.isoformat()}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row for {day}"
    return [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match[1], re.S)]


def day_block(page: str, day: dt.date) -> str:
    """The text of one day of the month list: its heading up to the next day's (or the end of the week)."""
    match = re.search(rf'id="jour-{day.isoformat()}"(.*?)(?=<h3|</section>)', page, re.S)
    assert match, f"no day {day}"
    return text_of("<h3 " + match[1])




@contextmanager
def count_queries():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


# --------------------------------------------------------------------------- week


def test_week_table_shows_each_childs_slots_in_words(client, login_as, martins):
    login_as(martins[0])
    page = client.get("/planning").text
    assert "<title>Planning de la famille — semaine du lundi 16 novembre 2026 —" in page
    assert '<caption id="planning-caption">Réservations de la semaine du lundi 16 novembre 2026' in page
    assert re.search(r'<th scope="col">Jour</th>\s*<th scope="col">Léa</th><th scope="col">Hugo</th>', page)
    assert row(page, MON) == ["Lundi 16 novembre", "Accueil du matin, Repas", "Accueil du soir"]
    assert row(page, TUE) == ["Mardi 17 novembre (aujourd'hui)", "Repas (absence signalée)", "rien de réservé"]
    assert row(page, WED) == ["Mercredi 18 novembre", "rien de réservé", "rien de réservé"]
    assert row(page, THU) == ["Jeudi 19 novembre", "Repas (liste d'attente)", "rien de réservé"]
    assert row(page, FRI) == ["Vendredi 20 novembre", "rien de réservé", "Repas, Accueil du soir (absence justifiée)"]
    assert '<th scope="row">Lundi 16 novembre' in page
    assert "jour-2026-11-21" not in page  # weekend days only when something is booked


def test_week_accepts_an_iso_week_or_its_monday_and_moves_any_other_day_to_its_monday(client, login_as, martins):
    login_as(martins[0])
    by_week = client.get("/planning/semaine/2026-W47")
    by_monday = client.get("/planning/semaine/2026-11-16")
    assert by_week.status_code == by_monday.status_code == 200
    assert (
        row(by_week.text, MON)
        == row(by_monday.text, MON)
        == ["Lundi 16 novembre", "Accueil du matin, Repas", "Accueil du soir"]
    )
    moved = client.get("/planning/semaine/2026-11-19")
    assert moved.status_code == 302 and moved.location.endswith("/planning/semaine/2026-11-16")
    for wrong in ("2026-W54", "2026-13-01", "20261116", "demain", "1999-W01"):
        assert client.get(f"/planning/semaine/{wrong}").status_code == 404, wrong


def test_week_navigation_says_where_it_goes(client, login_as, martins):
    user, lea, hugo = martins
    login_as(user)
    page = client.get("/planning/semaine/2026-11-30").text
    found = links(main_of(page))
    assert found["Semaine précédente (lundi 23 novembre 2026)"] == "/planning/semaine/2026-11-23"
    assert found["Semaine suivante (lundi 7 décembre 2026)"] == "/planning/semaine/2026-12-07"
    assert found["Cette semaine (lundi 16 novembre 2026)"] == "/planning"
    # The week of 30 November is mostly December (its Thursday is 3 December): its links lead there.
    assert found["Tout le mois de décembre 2026"] == "/planning/mois/2026-12"
    assert found["Agenda de Léa"] == f"/enfants/{lea.id}/agenda/2026-12"
    assert found["Agenda de Hugo"] == f"/enfants/{hugo.id}/agenda/2026-12"
    assert re.search(r'<a href="/planning" aria-current="page">Planning</a>', page)  # main menu


# --------------------------------------------------------------------------- month


def test_month_lists_each_day_with_each_childs_slots(client, login_as, martins):
    login_as(martins[0])
    page = main_of(client.get("/planning/mois/2026-11").text)
    assert "<h1>Planning de la famille — novembre 2026</h1>" in page
    monday = day_block(page, MON)
    assert "Léa : Accueil du matin, Repas" in monday and "Hugo : Accueil du soir" in monday
    tuesday = day_block(page, TUE)
    assert "Mardi 17 novembre (aujourd'hui)" in tuesday
    assert "Léa : Repas (absence signalée)" in tuesday and "Hugo : rien de réservé" in tuesday
    assert "Rien de réservé." in day_block(page, WED) and "Léa" not in day_block(page, WED)
    assert "Jour férié : Armistice" in day_block(page, dt.date(2026, 11, 11))
    assert 'id="jour-2026-11-02"' in page and 'id="jour-2026-11-30"' in page and 'id="jour-2026-11-01"' not in page
    assert '<h2 id="semaine-2026-11-16">Semaine du lundi 16 novembre (cette semaine)</h2>' in page


def test_month_navigation_and_bad_months(client, login_as, martins):
    login_as(martins[0])
    found = links(main_of(client.get("/planning/mois/2027-01").text))
    assert found["Mois précédent : décembre 2026"] == "/planning/mois/2026-12"
    assert found["Mois suivant : février 2027"] == "/planning/mois/2027-02"
    assert found["Ce mois-ci : novembre 2026"] == "/planning/mois/2026-11"
    assert found["Voir la semaine du lundi 4 janvier en tableau"] == "/planning/semaine/2027-01-04"
    for wrong in ("2026-13", "2026-1", "novembre"):
        assert client.get(f"/planning/mois/{wrong}").status_code == 404


def test_planning_is_read_only(client, login_as, martins):
    login_as(martins[0])
    for url in ("/planning", "/planning/mois/2026-11"):
        page = main_of(client.get(url).text)
        assert "<form" not in page and "<input" not in page and "hx-post" not in page


def test_another_familys_children_never_appear(client, login_as, martins, bernards):
    login_as(martins[0])
    for url in ("/planning", "/planning/mois/2026-11"):
        page = client.get(url).text
        assert "Chloé" not in page and "Étude surveillée" not in page and "Bernard" not in page
    assert row(client.get("/planning").text, MON)[1:] == ["Accueil du matin, Repas", "Accueil du soir"]


def test_agents_are_refused_and_visitors_sent_to_the_login_page(client, login_as, make_agent, martins):
    _user, lea, _hugo = martins
    for url in ("/planning", "/planning/mois/2026-11", f"/enfants/{lea.id}/calendrier"):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.location, url
    login_as(make_agent())
    for url in ("/planning", "/planning/semaine/2026-W47", "/planning/mois/2026-11", f"/enfants/{lea.id}/calendrier"):
        assert client.get(url).status_code == 403, url


def test_dashboard_links_to_the_planning_the_agendas_and_the_feeds(client, login_as, martins):
    user, lea, hugo = martins
    login_as(user)
    page = client.get("/mon-accueil").text
    found = links(main_of(page))
    assert found["Planning de la famille"] == "/planning"
    assert found["Agenda de Léa"] == f"/enfants/{lea.id}/agenda"
    assert found["Abonnement calendrier de Hugo"] == f"/enfants/{hugo.id}/calendrier"
    assert '<a href="/planning">Planning</a>' in page  # main menu, not the current page here


@pytest.mark.parametrize("url", ["/planning/mois/2026-11", "/planning/semaine/2026-11-16"])
def test_query_count_does_not_grow_with_the_reservations(client, login_as, make_family, units, url):
    _family, user, kids = make_family("Petit", children=("Louis", "Jade", "Arthur"))
    for activity, _unit, period in units.values():
        for kid in kids:
            enroll(kid, activity, period)
    login_as(user)
    client.get(url)  # warm-up (first request of the app)
    with count_queries() as empty:
        assert client.get(url).status_code == 200
    day = dt.date(2026, 11, 2)
    while day.month == 11:
        if day.weekday() in (0, 1, 3, 4):
            for kid in kids:
                for _activity, unit, _period in units.values():
                    db.session.add(Reservation(child_id=kid.id, unit_id=unit.id, date=day, requested_at=NOW))
        day += dt.timedelta(days=1)
    db.session.commit()
    with count_queries() as full:
        page = client.get(url).text
    assert "Accueil du matin, Repas, Accueil du soir" in page
    assert len(full) == len(empty) <= 8, full


# --------------------------------------------------------------------------- iCalendar feed


def test_a_booking_left_on_a_closed_day_is_neither_in_the_planning_nor_in_the_feed(
    app, client, login_as, martins, units
):
    """A closure of the canteen (Monday) and of every activity (Friday): the bookings left in the database those
    days are not shown as if the child were expected; the other activities' slots of Monday still are."""
    from models import Closure

    user, lea, hugo = martins
    db.session.add_all(
        [
            Closure(activity_id=units["meal"][0].id, date=MON, reason="Grève"),
            Closure(activity_id=None, date=FRI, reason="Pont"),
        ]
    )
    lea.calendar_token = "e" * 43
    db.session.commit()
    login_as(user)
    page = client.get("/planning").text
    assert row(page, MON) == ["Lundi 16 novembre", "Accueil du matin", "Accueil du soir"]  # Léa's meal: closed
    assert row(page, FRI)[1:] == ["rien de réservé", "rien de réservé"]
    assert row(page, TUE)[1:] == ["Repas (absence signalée)", "rien de réservé"]
    month = main_of(client.get("/planning/mois/2026-11").text)
    assert "Léa : Accueil du matin" in day_block(month, MON) and "Repas" not in day_block(month, MON)
    assert day_block(month, FRI) == "Vendredi 20 novembre Pont Rien de réservé."

    events = icalendar.Calendar.from_ical(app.test_client().get(f"/calendrier/{'e' * 43}.ics").data).walk("VEVENT")
    assert {e.decoded("DTSTART"): str(e["SUMMARY"]) for e in events} == {
        MON: "Léa : Accueil du matin",
        TUE: "Léa : Repas (absence signalée)",
        THU: "Léa : Repas (liste d'attente)",
    }


