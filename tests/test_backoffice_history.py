"""The history (audit trail) of a child and of a day for agents: newest first, in words (when, what, before ->
after, who, channel, reason), filtered and paginated by GET parameters, bad values answered in French next to the
field, one query per page."""

from __future__ import annotations

import datetime as dt
import re

from ops_world import FRI_27, NOW, THU_26, TUE_24, token
from sqlalchemy import event, select
from support import PASSWORD, csrf_from, links, text_of, title_of

from blueprints.reservations import service
from models import Person, ReservationChange, db


def login(app, user):
    browser = app.test_client()
    page = browser.get("/connexion").get_data(as_text=True)
    browser.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page)})
    return browser


def at(app, when: dt.datetime):
    app.config["CLOCK"] = lambda: when


def rows_of(response) -> list[str]:
    body = response.get_data(as_text=True)
    if "<tbody>" not in body:
        return []
    tbody = body[body.index("<tbody>"):body.index("</tbody>")]
    return [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)]


def history_url(child) -> str:
    return f"/gestion/enfants/{child.id}/historique"


def make_changes(app, client, ops):
    """Friday 27 for Léa: her parent books the morning (portal, Saturday 21 at 10 h), an agent books the meal with a
    reason (Sunday 22 at 9 h 05), then a closure of Tuesday 24 cancels her day there (system, by the agent)."""
    parent = login(app, ops.martin_parent)
    at(app, dt.datetime(2026, 11, 21, 10, 0, tzinfo=NOW.tzinfo))
    csrf = csrf_from(parent.get("/mon-accueil").get_data(as_text=True))
    slot = f"s-{ops.morning.id}-{FRI_27.isoformat()}"
    assert parent.post(f"/enfants/{ops.lea.id}/reservations", headers={"HX-Request": "true", "X-CSRFToken": csrf},
                       data={"unit": ops.morning.id, "date": FRI_27.isoformat(), slot: "1"}).status_code == 200
    at(app, dt.datetime(2026, 11, 22, 9, 5, tzinfo=NOW.tzinfo))
    client.post(f"/gestion/enfants/{ops.lea.id}/reservations", headers={"HX-Request": "true",
                                                                         "X-CSRFToken": token(client)},
                data={"unit": ops.meal.id, "date": FRI_27.isoformat(), f"s-{ops.meal.id}-{FRI_27.isoformat()}": "1",
                      "reason": "Appel de la mère"})
    at(app, NOW)
    client.post(f"/gestion/activites/{ops.activity.id}/fermetures",
                data={"csrf_token": token(client), "closure-date": TUE_24.isoformat(), "closure-reason": "Grève",
                      "confirm": "1"})


def test_a_childs_history_says_each_change_in_words_newest_first(app, client, ops):
    make_changes(app, client, ops)
    response = client.get(history_url(ops.lea))
    assert response.status_code == 200
    assert title_of(response).startswith("Historique de Léa Martin")
    assert rows_of(response) == [
        # the closure cancelled the meal, then the morning it needs: same instant, the later line first
        "dimanche 22 novembre 2026 à 19 h 00 Accueil du matin du mardi 24 novembre 2026 Restauration Réservé → "
        "devient Annulé Agent Test (agent) Système Fermeture : Grève",
        "dimanche 22 novembre 2026 à 19 h 00 Repas du mardi 24 novembre 2026 Restauration Réservé → devient Annulé "
        "Agent Test (agent) Système Fermeture : Grève",
        "dimanche 22 novembre 2026 à 9 h 05 Repas du vendredi 27 novembre 2026 Restauration Pas de réservation → "
        "devient Réservé Agent Test (agent) Gestion (agent) Appel de la mère",
        "samedi 21 novembre 2026 à 10 h 00 Accueil du matin du vendredi 27 novembre 2026 Restauration Pas de "
        "réservation → devient Réservé Camille Martin (famille) Portail familles —",
    ]
    assert "Hugo" not in text_of(response)  # one child's history only


def test_automatic_changes_say_system(app, client, ops):
    with app.test_request_context():
        service.record(ops.hugo.id, ops.meal.id, TUE_24, "waiting", "reserved", NOW, None, "system",
                       "Place libérée : inscription depuis la liste d'attente")
        db.session.commit()
    (row,) = rows_of(client.get(history_url(ops.hugo)))
    assert "Liste d'attente → devient Réservé Système Système Place libérée" in row


def test_the_history_is_reached_from_the_family_page_and_the_agents_agenda(client, ops):
    """(and from the list of a day: see test_backoffice_occupancy.py)"""
    family = links(client.get(f"/gestion/familles/{ops.martin.id}"))
    assert family["Historique des réservations de Léa"] == history_url(ops.lea)
    agenda = links(client.get(f"/gestion/enfants/{ops.lea.id}/agenda/2026-11"))
    assert agenda["Historique des réservations de Léa"] == history_url(ops.lea)


def test_the_history_of_a_day_names_each_child(app, client, ops):
    make_changes(app, client, ops)
    response = client.get(f"/gestion/historique?du=2026-11-24&au=2026-11-24&creneau=u{ops.meal.id}")
    assert title_of(response).startswith("Historique : Repas du mardi 24 novembre 2026 (Restauration)")
    assert "Historique du mardi 24 novembre 2026 (Restauration)" in title_of(
        client.get(f"/gestion/historique?du=2026-11-24&au=24/11/2026&creneau=a{ops.activity.id}"))
    assert title_of(client.get("/gestion/historique?du=2026-11-24")).startswith(
        "Historique des réservations (filtré)")  # not a single day
    rows = rows_of(response)
    assert len(rows) == 3 and all("Repas du mardi 24 novembre 2026" in r for r in rows)
    names = {r.split("19 h 00 ")[1].split(" Repas")[0] for r in rows}
    assert names == {"Léa Martin", "Inès Bernard", "Hugo Bernard"}
    assert links(response)["Hugo Bernard"] == history_url(ops.hugo)
    assert "Liste d'attente → devient Annulé" in " ".join(rows)  # Hugo's place on the waiting list


FILTERS = [  # query string -> number of Léa's lines (make_changes gives her 4)
    ("", 4),
    ("du=2026-11-27&au=27/11/2026", 2),
    ("du=2026-11-25", 2),
    ("au=2026-11-24", 2),
    ("creneau=u{meal}", 2),
    ("creneau=a{activity}", 4),
    ("creneau=a{study_activity}", 0),
    ("canal=portal", 1),
    ("canal=agent", 1),
    ("canal=system", 2),
    ("auteur=camille", 1),
    ("auteur=AGENT@example", 3),
    ("auteur=100%", 0),
    ("canal=system&creneau=u{morning}&du=2026-11-24&au=2026-11-24", 1),
]


def test_filters_are_get_parameters(app, client, ops):
    make_changes(app, client, ops)
    for query, expected in FILTERS:
        query = query.format(meal=ops.meal.id, morning=ops.morning.id, activity=ops.activity.id,
                             study_activity=ops.study_activity.id)
        response = client.get(f"{history_url(ops.lea)}?{query}")
        assert response.status_code == 200, query
        assert len(rows_of(response)) == expected, query
        if expected == 0:
            assert "Aucun changement ne correspond à ces filtres." in text_of(response), query
    page = client.get(f"{history_url(ops.lea)}?canal=agent&creneau=u{ops.meal.id}").get_data(as_text=True)
    assert '<option selected value="agent">' in page and f'<option selected value="u{ops.meal.id}">' in page


BAD_FILTERS = [  # query string, field in error, message
    ("du=31/02/2026", "du", "Saisissez une date valide, par exemple 02/11/2026."),
    ("au=demain", "au", "Saisissez une date valide, par exemple 02/11/2026."),
    ("du=2026-11-27&au=2026-11-24", "au", "Le dernier jour doit être le même jour que le premier ou après."),
    ("creneau=u999999", "creneau", "Choisissez une valeur de la liste."),
    ("creneau=a", "creneau", "Choisissez une valeur de la liste."),
    ("canal=fax", "canal", "Choisissez une valeur de la liste."),
    ("auteur=" + "x" * 101, "auteur", "Saisissez au plus 100 caractères."),
]


def test_bad_filter_values_get_a_french_message_next_to_the_field(app, client, ops):
    make_changes(app, client, ops)
    for query, field_id, message in BAD_FILTERS:
        response = client.get(f"{history_url(ops.lea)}?{query}")
        assert response.status_code == 200, query
        body = response.get_data(as_text=True).replace("&#39;", "'")
        assert title_of(response).startswith("Erreur : "), query
        assert f'<a href="#{field_id}">{message}</a>' in body, query  # error summary
        assert re.search(rf'id="{field_id}-error">.*?{re.escape(message)}', body, re.S), query  # next to the field
        assert re.search(rf'<[^>]*id="{field_id}"[^>]*aria-invalid="true"', body) or re.search(
            rf'<[^>]*aria-invalid="true"[^>]*id="{field_id}"', body), query
        assert rows_of(response) == [] and "Corrigez les filtres" in text_of(response), query
    assert len(rows_of(client.get(f"{history_url(ops.lea)}?page=abc"))) == 4  # page 1
    assert len(rows_of(client.get(f"{history_url(ops.lea)}?page=99999999999999999999"))) == 4


def test_pages_of_fifty_with_next_and_previous_links_keeping_the_filters(client, ops):
    start = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.timezone.utc)
    for n in range(60):
        db.session.add(ReservationChange(child_id=ops.lea.id, unit_id=ops.meal.id, date=FRI_27, before=None,
                                         after="reserved", via="portal", reason=f"n{n}",
                                         at=start + dt.timedelta(minutes=n)))
    db.session.add(ReservationChange(child_id=ops.lea.id, unit_id=ops.meal.id, date=THU_26, before=None,
                                     after="reserved", via="agent", reason="autre jour", at=start))
    db.session.commit()
    first = client.get(f"{history_url(ops.lea)}?canal=portal")
    rows = rows_of(first)
    assert len(rows) == 50 and rows[0].endswith(" n59") and rows[-1].endswith(" n10")
    assert "Changements 1 à 50, du plus récent au plus ancien (page 1)." in text_of(first)
    found = links(first)
    assert "Page précédente (changements plus récents)" not in found
    next_url = found["Page suivante (changements plus anciens)"]
    assert next_url == f"{history_url(ops.lea)}?page=2&canal=portal"
    second = client.get(next_url)
    rows = rows_of(second)
    assert len(rows) == 10 and rows[0].endswith(" n9") and rows[-1].endswith(" n0")
    assert title_of(second).startswith("Historique de Léa Martin (filtré) — page 2")
    found = links(second)
    assert "Page suivante (changements plus anciens)" not in found
    assert found["Page précédente (changements plus récents)"] == f"{history_url(ops.lea)}?page=1&canal=portal"
    assert "Il n'y a pas d'autre changement." in text_of(client.get(f"{history_url(ops.lea)}?canal=portal&page=3"))


def test_one_query_reads_a_page_with_the_names(app, client, ops):
    make_changes(app, client, ops)
    url = f"/gestion/historique?du=2026-11-01&au=2026-11-30&creneau=a{ops.activity.id}"
    client.get(url)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows_of(response)) == 8  # Léa's 4, Inès's and Hugo's 2 each
    assert len([s for s in statements if re.search(r"FROM reservation_change\b", s)]) == 1
    assert not [s for s in statements if re.search(r"FROM person\b", s) and "reservation_change" not in s]


def test_only_children_have_a_history_and_only_agents_read_it(app, client, ops):
    guardian = db.session.execute(select(Person).where(Person.family_id == ops.martin.id,
                                                       Person.role == "guardian")).scalar_one()
    assert client.get(history_url(guardian)).status_code == 404
    assert client.get("/gestion/enfants/999999/historique").status_code == 404
    parent = login(app, ops.martin_parent)
    for url in (history_url(ops.lea), "/gestion/historique", "/gestion/historique?du=2026-11-24"):
        assert parent.get(url).status_code == 403, url
        assert app.test_client().get(url).status_code == 302, url


def test_an_empty_history_says_so(client, ops):
    response = client.get(history_url(ops.hugo))
    assert "Aucun changement enregistré." in text_of(response) and rows_of(response) == []
