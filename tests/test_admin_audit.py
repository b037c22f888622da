"""The audit log (administrators): health-data reads, family-file changes, booking changes and request events in
one list, newest first, filtered by type, agent, dates and name, with a CSV export of the same lines."""

from __future__ import annotations

import datetime as dt

import pytest
from support import csrf_from, text_of

from models import FamilyChange, HealthAccess, ReservationChange, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world(app, make_family, make_agent, make_activity):
    app.config["CLOCK"] = lambda: NOW
    admin = make_agent("admin@example.org", role="admin")
    nurse = make_agent("infirmiere@example.org")
    nurse.display_name = "Inès Infirmière"
    family, parent, (child,) = make_family("Lefèvre-Œuvray", children=("Zoé",))
    other, _p, (other_child,) = make_family("Durand", children=("Noé",))
    _activity, unit, _period = make_activity()
    db.session.add_all([
        HealthAccess(agent_id=nurse.id, child_id=child.id, child_name="Zoé Lefèvre-Œuvray", family_id=family.id,
                     place="fiche santé", at=NOW - dt.timedelta(days=1)),
        FamilyChange(family_id=other.id, actor_id=admin.id, action="updated", summary="Adresse modifiée",
                     at=NOW - dt.timedelta(days=10)),
        ReservationChange(child_id=child.id, unit_id=unit.id, date=dt.date(2026, 11, 30), before=None,
                          after="reserved", actor_id=parent.id, via="portal", at=NOW - dt.timedelta(hours=2)),
    ])
    db.session.commit()
    return {"admin": admin, "nurse": nurse, "parent": parent}


def test_the_log_lists_every_kind_newest_first(client, login_as, world):
    login_as(world["admin"])
    page = client.get("/gestion/journal")
    assert page.status_code == 200
    body = text_of(page)
    assert body.index("Zoé Lefèvre-Œuvray") < body.index("Famille Durand")
    assert "a lu les données de santé (fiche santé)" in body and "Inès Infirmière" in body
    assert "rien → réservé" in body and "Adresse modifiée" in body


def test_filters(client, login_as, world):
    login_as(world["admin"])
    only_health = text_of(client.get("/gestion/journal?type=sante"))
    assert "a lu les données de santé" in only_health and "Adresse modifiée" not in only_health
    by_agent = text_of(client.get(f"/gestion/journal?agent={world['admin'].id}"))
    assert "Adresse modifiée" in by_agent and "fiche santé" not in by_agent
    by_name = text_of(client.get("/gestion/journal?nom=durand"))
    assert "Famille Durand" in by_name and "Zoé" not in by_name
    by_date = text_of(client.get("/gestion/journal?du=20/11/2026&au=23/11/2026"))
    assert "Adresse modifiée" not in by_date and "fiche santé" in by_date


@pytest.mark.parametrize("query", ["du=31/02/2026", "agent=abc", "type=<script>", "nom=" + "x" * 10_000,
                                   "agent=99999999999999999999", "du=2026-13-01"])
def test_bad_filters_are_answered_not_crashed(client, login_as, world, query):
    login_as(world["admin"])
    page = client.get(f"/gestion/journal?{query}")
    assert page.status_code in (200, 400)
    assert "<script>" not in page.text.split("<main", 1)[1]


def test_csv_export_and_rights(client, login_as, world):
    login_as(world["admin"])
    answer = client.get("/gestion/journal.csv?type=dossier")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    lines = answer.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Date;Type;Par;Concerne;Détail"
    assert len(lines) == 2 and "Famille Durand" in lines[1] and "Adresse modifiée" in lines[1]
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    login_as(world["nurse"])
    assert client.get("/gestion/journal").status_code == 403
    assert client.get("/gestion/journal.csv").status_code == 403
