"""The family planning (week table, month list) and each child's private iCalendar feed."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from contextlib import contextmanager

import icalendar
import pytest
from sqlalchemy import event

from models import Person, Reservation, db
from tests.conftest import csrf_from, enroll

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # Tuesday 17 November 2026, 09:00 in Paris
MON, TUE, WED, THU, FRI = (dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5))


@pytest.fixture(autouse=True)
def clock(app):
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


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def text_of(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


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


def links(page: str) -> dict[str, str]:
    """Link text -> href."""
    return {
        text_of(t): htmllib.unescape(h) for h, t in re.findall(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    }


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
    assert found["Tout le mois de novembre 2026"] == "/planning/mois/2026-11"
    assert found["Agenda de Léa"] == f"/enfants/{lea.id}/agenda/2026-11"
    assert found["Agenda de Hugo"] == f"/enfants/{hugo.id}/agenda/2026-11"
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


def feed_page(client, child) -> str:
    return client.get(f"/enfants/{child.id}/calendrier").text


def post_action(client, child, action):
    page = feed_page(client, child)
    return client.post(f"/enfants/{child.id}/calendrier", data={"action": action, "csrf_token": csrf_from(page)})


def feed_path(child) -> str:
    db.session.refresh(child)
    return f"/calendrier/{child.calendar_token}.ics"


def test_parent_creates_rotates_and_deletes_the_private_link(client, login_as, martins):
    user, lea, _hugo = martins
    login_as(user)
    page = main_of(feed_page(client, lea))
    assert "<h1>Abonnement calendrier de Léa</h1>" in page
    assert "Créer le lien d'abonnement" in htmllib.unescape(page) and 'id="feed-url"' not in page

    created = post_action(client, lea, "create")
    assert created.status_code == 302 and created.location.endswith(f"/enfants/{lea.id}/calendrier")
    first = feed_path(lea)
    assert len(lea.calendar_token) >= 43
    page = htmllib.unescape(feed_page(client, lea))
    assert re.search(r'<label for="feed-url">Adresse de l\'abonnement de Léa</label>', page)
    assert re.search(rf'<input type="text" id="feed-url" value="http://localhost{re.escape(first)}" readonly', page)
    assert "Changer le lien (l'ancien ne marchera plus)" in page and "Supprimer le lien" in page
    assert client.get(first).status_code == 200

    post_action(client, lea, "create")  # a replayed "create" keeps the working link
    assert feed_path(lea) == first

    post_action(client, lea, "rotate")
    second = feed_path(lea)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    post_action(client, lea, "delete")
    db.session.refresh(lea)
    assert lea.calendar_token is None
    assert client.get(second).status_code == 404
    assert "Créer le lien d'abonnement" in htmllib.unescape(feed_page(client, lea))


def test_link_changes_need_the_csrf_token(client, login_as, martins):
    user, lea, _hugo = martins
    login_as(user)
    response = client.post(f"/enfants/{lea.id}/calendrier", data={"action": "create"})
    assert response.status_code == 400
    db.session.refresh(lea)
    assert lea.calendar_token is None
    assert post_action(client, lea, "nonsense").status_code == 400


def test_another_family_cannot_see_or_change_the_link(client, login_as, martins, bernards):
    _user, lea, _hugo = martins
    lea.calendar_token = "a" * 43
    db.session.commit()
    login_as(bernards[0])
    assert client.get(f"/enfants/{lea.id}/calendrier").status_code == 404
    page = feed_page(client, bernards[1])
    response = client.post(f"/enfants/{lea.id}/calendrier", data={"action": "rotate", "csrf_token": csrf_from(page)})
    assert response.status_code == 404
    db.session.refresh(lea)
    assert lea.calendar_token == "a" * 43


def test_feed_holds_one_all_day_event_per_booked_day_for_this_child_only(app, client, login_as, martins, bernards):
    user, lea, hugo = martins
    login_as(user)
    post_action(client, lea, "create")
    post_action(client, hugo, "create")
    phone = app.test_client()  # a calendar application: no session
    response = phone.get(feed_path(lea))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    text = response.get_data(as_text=True)
    assert "Hugo" not in text and "Chloé" not in text and "Étude" not in text and "Martin" not in text

    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Agenda de Léa"
    events = {e.decoded("DTSTART"): e for e in calendar.walk("VEVENT")}
    assert {day: str(e["SUMMARY"]) for day, e in events.items()} == {
        MON: "Léa : Accueil du matin, Repas",
        TUE: "Léa : Repas (absence signalée)",
        THU: "Léa : Repas (liste d'attente)",
    }
    for day, e in events.items():
        assert type(day) is dt.date and e.decoded("DTEND") == day + dt.timedelta(days=1)
        assert e.decoded("DTSTAMP") == NOW
    again = icalendar.Calendar.from_ical(phone.get(feed_path(lea)).data)
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(str(e["UID"]) for e in events.values())
    assert len({str(e["UID"]) for e in events.values()}) == 3

    hugo_events = icalendar.Calendar.from_ical(phone.get(feed_path(hugo)).data).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in hugo_events) == [
        "Hugo : Accueil du soir",
        "Hugo : Repas, Accueil du soir (absence justifiée)",
    ]
    assert not {str(e["UID"]) for e in hugo_events} & {str(e["UID"]) for e in events.values()}


def test_feed_covers_a_month_back_to_the_end_of_the_enrolments(client, make_family, make_activity):
    _family, _user, (lea,) = make_family("Martin", children=("Léa",))
    activity, meal, period = make_activity(code="restauration", start=dt.date(2026, 9, 1), end=dt.date(2027, 7, 3))
    enroll(lea, activity, period)
    for day in (dt.date(2026, 10, 12), dt.date(2026, 10, 19), dt.date(2027, 7, 2), dt.date(2027, 7, 5)):
        book(lea, meal, day)
    lea.calendar_token = "b" * 43
    db.session.commit()
    calendar = icalendar.Calendar.from_ical(client.get(f"/calendrier/{'b' * 43}.ics").data)
    assert sorted(e.decoded("DTSTART") for e in calendar.walk("VEVENT")) == [dt.date(2026, 10, 19), dt.date(2027, 7, 2)]


def test_unknown_malformed_or_non_child_tokens_are_404(client, make_family):
    _family, user, (lea,) = make_family("Martin", children=("Léa",))
    guardian = db.session.get(Person, user.person_id)
    guardian.calendar_token = "c" * 43  # only a child's secret opens a feed
    db.session.commit()
    for token in ("d" * 43, "c" * 43, "short", "x" * 64, "%27%20OR%201%3D1"):
        response = client.get(f"/calendrier/{token}.ics")
        assert response.status_code == 404, token
        assert "text/calendar" not in response.headers["Content-Type"]


# --------------------------------------------------------------------------- closed days


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


def test_subscription_page_never_puts_a_form_inside_a_paragraph(client, login_as, martins):
    """A <form> cannot be inside a <p> (the parser closes the paragraph: invalid, and the buttons' layout breaks)."""
    user, lea, _hugo = martins
    login_as(user)
    for action in (None, "create"):
        if action:
            post_action(client, lea, action)
        page = main_of(feed_page(client, lea))
        assert page.count("<form") == (1 if action is None else 2)
        for paragraph in re.findall(r"<p\b[^>]*>(.*?)</p>", page, re.S):
            assert "<form" not in paragraph, paragraph
