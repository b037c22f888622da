"""Occupancy names: each (day, unit) row of the occupancy table leads to the list of the children booked (class,
school, absences) and of the waiting list in arrival order (rank, time of the request), read in one query; both
lists and the month's occupancy download as CSV (UTF-8 with BOM, `;`, French headers); the pages print on A4."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from ops_world import ASKED, THU_26, TUE_24, WED_25, token
from sqlalchemy import event
from support import PASSWORD, csrf_from, links, text_of, title_of

from models import Closure, Reservation, db

ROOT = Path(__file__).resolve().parent.parent


def day_url(ops, day=TUE_24, unit=None) -> str:
    return f"/gestion/activites/{ops.activity.id}/occupation/{day.isoformat()}/{(unit or ops.meal).id}"


def add_waiting_zoe(ops, make_family):
    """Zoé (Lefèvre) asked for Tuesday's meal before Hugo did, although her row is written after his."""
    _, _, (zoe,) = make_family(name="Lefèvre", children=("Zoé",), school=ops.school)
    zoe.class_name = "CM2"
    db.session.add(Reservation(child_id=zoe.id, unit_id=ops.morning.id, date=TUE_24, state="reserved",
                               requested_at=ASKED))
    db.session.add(Reservation(child_id=zoe.id, unit_id=ops.meal.id, date=TUE_24, state="waiting",
                               requested_at=ASKED - dt.timedelta(hours=1)))
    db.session.commit()
    return zoe


def test_each_row_of_the_occupancy_leads_to_its_names(client, ops):
    response = client.get(f"/gestion/activites/{ops.activity.id}/occupation/2026-11")
    found = links(response)
    assert found["Voir la liste : Repas, mardi 24 novembre"] == day_url(ops)
    assert found["Voir la liste : Accueil du matin, mardi 24 novembre"] == day_url(ops, unit=ops.morning)
    assert found["Télécharger l'occupation du mois (CSV, tableur)"] == (
        f"/gestion/activites/{ops.activity.id}/occupation/2026-11.csv")
    assert found["Historique des changements du mois"] == (
        f"/gestion/historique?du=2026-11-01&au=2026-11-30&creneau=a{ops.activity.id}")


def test_the_list_of_a_day_names_the_booked_children_and_the_waiting_list_in_order(client, ops, make_family):
    zoe = add_waiting_zoe(ops, make_family)
    client.get(day_url(ops))  # warm the holiday calendars
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(day_url(ops))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len([s for s in statements if re.search(r"FROM reservation\b", s)]) == 1  # no query per child

    assert title_of(response).startswith("Liste des enfants : Repas du mardi 24 novembre 2026 — Restauration")
    body = response.get_data(as_text=True)
    booked = re.search(r'<h2 id="inscrits">(.*?)<h2 id="attente">', body, re.S).group(1)
    waiting = body[body.index('<h2 id="attente">'):]
    assert "Enfants inscrits (2)" in text_of(booked)
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", booked, re.S)[1:]]
    assert rows == ["Bernard Inès CE1 École Jean-de-La-Fontaine Absence justifiée",
                    "Martin Léa CE1 École Jean-de-La-Fontaine Réservé"]
    assert "Liste d'attente (2), dans l'ordre d'arrivée" in text_of(waiting)
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", waiting, re.S)[1:]]
    assert rows == ["1 Lefèvre Zoé CM2 École Jean-de-La-Fontaine jeudi 19 novembre 2026 à 18 h 00",
                    "2 Bernard Hugo CE1 École Jean-de-La-Fontaine jeudi 19 novembre 2026 à 19 h 05"]
    words = text_of(response)
    assert "Places 2 Réservés 2 (dont 1 absence) Liste d'attente 2" in words
    found = links(response)
    assert found["Bernard Hugo"] == f"/gestion/enfants/{ops.hugo.id}/agenda/2026-11#jour-2026-11-24"
    assert found["Lefèvre Zoé"] == f"/gestion/enfants/{zoe.id}/agenda/2026-11#jour-2026-11-24"
    assert found["Télécharger la liste (CSV, tableur)"] == day_url(ops) + ".csv"
    assert found["Historique de ce jour"] == f"/gestion/historique?du=2026-11-24&au=2026-11-24&creneau=u{ops.meal.id}"
    assert found["Accueil du matin du même jour"] == day_url(ops, unit=ops.morning)
    assert 'data-print hidden' in body  # the print button appears with JavaScript only


def test_a_day_without_service_says_so_above_its_list(client, ops):
    db.session.add(Closure(activity_id=ops.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    words = text_of(client.get(day_url(ops, day=THU_26)))
    assert "Pas d'accueil ce jour-là : Fermé (Grève). Les enfants ci-dessous avaient réservé avant." in words
    assert "Martin Léa" in words
    empty = text_of(client.get(day_url(ops, day=WED_25)))
    assert "Pas d'accueil ce jour-là" in empty and "Aucun enfant inscrit." in empty
    assert "Personne en liste d'attente." in empty


def test_unknown_days_units_and_activities_are_404(client, ops):
    base = f"/gestion/activites/{ops.activity.id}/occupation"
    for url in (f"{base}/2026-13-01/{ops.meal.id}", f"{base}/24-11-2026/{ops.meal.id}", f"{base}/1999-11-24/"
                f"{ops.meal.id}", f"{base}/2026-11-24/{ops.study.id}", f"{base}/2026-11-24/999999",
                f"/gestion/activites/999999/occupation/2026-11-24/{ops.meal.id}",
                f"{base}/2026-11-24/{ops.study.id}.csv",
                f"{base}/2026-02-30/{ops.meal.id}.csv", "/gestion/activites/999999/occupation/2026-11.csv"):
        assert client.get(url).status_code == 404, url


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "no BOM: Excel would not read the accents"
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_list_of_a_day_downloads_as_csv(client, ops, make_family):
    zoe = add_waiting_zoe(ops, make_family)
    zoe.first_name = "=HYPERLINK(\"x\")"  # a name a spreadsheet would run as a formula
    db.session.commit()
    response = client.get(day_url(ops) + ".csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="liste-{ops.activity.code}-2026-11-24-repas.csv"')
    rows = read_csv(response)
    assert rows[0] == ["Nom", "Prénom", "Classe", "École", "État", "Rang en liste d'attente", "Demande faite le"]
    assert rows[1:] == [
        ["Bernard", "Inès", "CE1", "École Jean-de-La-Fontaine", "Absence justifiée", "", ""],
        ["Martin", "Léa", "CE1", "École Jean-de-La-Fontaine", "Réservé", "", ""],
        ["Lefèvre", "'=HYPERLINK(\"x\")", "CM2", "École Jean-de-La-Fontaine", "Liste d'attente", "1",
         "19/11/2026 18:00"],
        ["Bernard", "Hugo", "CE1", "École Jean-de-La-Fontaine", "Liste d'attente", "2", "19/11/2026 19:05"],
    ]


def test_the_month_downloads_as_csv(client, ops):
    db.session.add(Closure(activity_id=ops.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    response = client.get(f"/gestion/activites/{ops.activity.id}/occupation/2026-11.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="occupation-{ops.activity.code}-2026-11.csv"')
    rows = read_csv(response)
    assert rows[0] == ["Date", "Jour", "Créneau", "Places", "Réservés", "Places libres", "Liste d'attente", "Remarque"]
    assert ["24/11/2026", "mardi", "Repas", "2", "2", "0", "1", ""] in rows
    assert ["24/11/2026", "mardi", "Accueil du matin", "illimité", "3", "illimité", "0", ""] in rows
    assert ["26/11/2026", "jeudi", "Repas", "2", "1", "", "0", "jour sans accueil"] in rows  # booked before the strike
    assert not any(r[0] == "25/11/2026" for r in rows)  # no canteen on Wednesdays
    assert len([r for r in rows if r[2] == "Repas"]) == 17  # the 16 canteen days of November 2026, and Thursday 26


def test_the_stylesheet_prints_the_lists_alone_on_a4():
    css = (ROOT / "static/css/site.css").read_text()
    printing = css[css.index("@media print"):]
    assert "size: A4" in printing
    for hidden in (".site-header", ".site-footer", ".breadcrumb", ".no-print"):
        assert hidden in printing.split("display: none")[0], hidden


def test_parents_cannot_read_the_lists(app, ops):
    parent = app.test_client()
    page = parent.get("/connexion").get_data(as_text=True)
    parent.post("/connexion", data={"email": ops.martin_parent.email, "password": PASSWORD,
                                    "csrf_token": csrf_from(page)})
    for url in (day_url(ops), day_url(ops) + ".csv", f"/gestion/activites/{ops.activity.id}/occupation/2026-11.csv"):
        assert parent.get(url).status_code == 403, url
        assert app.test_client().get(url).status_code == 302, url


def test_nothing_here_writes(client, ops):
    token(client)
    before = db.session.execute(db.select(Reservation.id, Reservation.state)).all()
    for url in (day_url(ops), day_url(ops) + ".csv", f"/gestion/activites/{ops.activity.id}/occupation/2026-11.csv"):
        assert client.get(url).status_code == 200
    assert db.session.execute(db.select(Reservation.id, Reservation.state)).all() == before
