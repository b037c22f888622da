"""Pointage: the list of a site, unit and day, one-tap marks (htmx and without JavaScript), idempotent marks, a
child present without a booking, totals, health flags only with the right (and logged), the PDF list, access.

World (tests/ops_world.py): Tuesday 24 November 2026 at the École Jean-de-La-Fontaine, meal: Léa Martin booked,
Inès Bernard's absence justified, Hugo Bernard on the waiting list (not expected); morning: all three booked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ops_world import PARIS, TUE_24
from support import csrf_from, region, text, text_of

from blueprints.attendance import access, rules
from models import Attendance, ChildHealth, HealthAccess, Person, School, db

TUESDAY_MORNING = dt.datetime(2026, 11, 24, 8, 30, tzinfo=PARIS)
HX = {"HX-Request": "true"}


@pytest.fixture
def tuesday(app, ops):
    app.config["CLOCK"] = lambda: TUESDAY_MORNING
    return ops


def list_url(ops, unit=None, day=TUE_24):
    return f"/gestion/pointage/{ops.school.id}/{(unit or ops.meal).id}/{day.isoformat()}"


def post_mark(client, ops, child, status, *, unit=None, day=TUE_24, headers=None):
    page = client.get(list_url(ops, unit, day))
    return client.post(list_url(ops, unit, day) + "/pointer", headers=headers or {},
                       data={"csrf_token": csrf_from(page.text), "child_id": child.id, "status": status})


def marks(unit):
    return {(a.child_id, a.date): a.status for a in db.session.execute(
        db.select(Attendance).where(Attendance.unit_id == unit.id)).scalars()}


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("status, day, problem", [
    ("present", TUE_24, None),
    ("absent", TUE_24, None),
    ("absent", TUE_24 - dt.timedelta(days=7), None),  # a correction afterwards
    ("present", TUE_24 + dt.timedelta(days=1), "future"),
    ("late", TUE_24, "status"),
    ("", TUE_24, "status"),
])
def test_mark_problem(status, day, problem):
    assert rules.mark_problem(status, day, TUE_24) == problem


@pytest.mark.parametrize("expected, marked, figures", [
    ([], {}, (0, 0, 0, 0, 0)),
    ([1, 2, 3], {}, (3, 0, 0, 3, 0)),
    ([1, 2, 3], {1: "present", 2: "absent"}, (3, 1, 1, 1, 0)),
    ([1], {1: "present", 9: "present", 8: "absent"}, (1, 1, 0, 0, 1)),
])
def test_totals(expected, marked, figures):
    t = rules.totals(expected, marked)
    assert (t.expected, t.present, t.absent, t.unmarked, t.unbooked_present) == figures
    assert t.present_all == t.present + t.unbooked_present


# --------------------------------------------------------------------------- the list


def test_choose_opens_the_list(client, tuesday):
    page = client.get("/gestion/pointage")
    assert page.status_code == 200
    assert 'value="2026-11-24"' in page.text  # today by default
    assert "École Jean-de-La-Fontaine" in page.text
    answer = client.get("/gestion/pointage", query_string={"site": tuesday.school.id, "unit": tuesday.meal.id,
                                                           "day": "24/11/2026"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(list_url(tuesday))


def test_choose_with_bad_input_says_so(client, tuesday):
    page = client.get("/gestion/pointage", query_string={"site": "abc", "unit": 999999, "day": "31/02/2026"})
    assert page.status_code == 200
    assert text_of(page).count("Choisissez une valeur de la liste.") >= 2
    assert "Saisissez une date valide" in text(page)
    assert "<title>Erreur" in page.text


def test_list_shows_expected_children_not_the_waiting_list(client, tuesday):
    page = client.get(list_url(tuesday))
    assert page.status_code == 200
    body = text_of(page)
    assert "Martin Léa" in body and "Bernard Inès" in body
    assert "Absence justifiée" in body
    assert "Bernard Hugo" not in body.split("Ajouter un enfant")[0]  # waiting: not expected, offered to add
    assert "Enfants attendus (réservés) 2" in body and "Pas encore pointés 2" in body
    assert "Santé" not in body  # no health right: no health column


def test_mark_with_htmx_returns_the_row_and_totals(client, tuesday):
    answer = post_mark(client, tuesday, tuesday.lea, "present", headers=HX)
    assert answer.status_code == 200
    html = answer.text
    assert html.lstrip().startswith('<tr id="enfant-%d"' % tuesday.lea.id)
    assert 'id="present-%d"' % tuesday.lea.id in html and 'aria-pressed="true"' in html
    assert 'id="totaux"' in html and 'hx-swap-oob="true"' in html
    assert "Léa Martin : « Présent » enregistré." in text(html)
    assert marks(tuesday.meal) == {(tuesday.lea.id, TUE_24): "present"}


def test_marks_are_idempotent_and_correctable(client, tuesday):
    for _ in range(3):
        assert post_mark(client, tuesday, tuesday.lea, "present", headers=HX).status_code == 200
    rows = db.session.execute(db.select(Attendance)).scalars().all()
    assert len(rows) == 1 and rows[0].status == "present" and rows[0].booked
    first_at = rows[0].marked_at
    post_mark(client, tuesday, tuesday.lea, "absent", headers=HX)
    db.session.expire_all()
    row = db.session.execute(db.select(Attendance)).scalar_one()
    assert row.status == "absent" and row.marked_at >= first_at


def test_mark_without_javascript_redirects_to_the_row(client, tuesday):
    answer = post_mark(client, tuesday, tuesday.ines, "absent")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(list_url(tuesday) + f"#enfant-{tuesday.ines.id}")
    page = client.get(answer.headers["Location"])
    assert "Inès Bernard : « Absent » enregistré." in region(page, "status")
    assert "Absents 1" in text_of(page)


def test_a_future_day_is_listed_but_not_marked(client, tuesday):
    thursday = TUE_24 + dt.timedelta(days=2)
    page = client.get(list_url(tuesday, day=thursday))
    assert "le pointage se fera le jour même" in text(page)
    answer = post_mark(client, tuesday, tuesday.lea, "present", day=thursday, headers=HX)
    assert "pas encore arrivé" in text(answer)
    assert marks(tuesday.meal) == {}


def test_bad_status_is_refused(client, tuesday):
    answer = post_mark(client, tuesday, tuesday.lea, "<script>", headers=HX)
    assert answer.status_code == 200 and "Choisissez « Présent » ou « Absent »" in text(answer)
    assert marks(tuesday.meal) == {}


def test_add_a_child_present_without_booking(client, tuesday):
    page = client.get(list_url(tuesday))
    assert f'<option value="{tuesday.hugo.id}">' in page.text
    answer = client.post(list_url(tuesday) + "/ajouter",
                         data={"csrf_token": csrf_from(page.text), "child": tuesday.hugo.id})
    assert answer.status_code == 302
    row = db.session.execute(db.select(Attendance).where(Attendance.child_id == tuesday.hugo.id)).scalar_one()
    assert row.status == "present" and not row.booked
    page = client.get(list_url(tuesday))
    body = text_of(page)
    assert "Sans réservation" in body and "Présents sans réservation 1" in body and "Total des présents 1" in body


def test_add_refuses_a_child_of_another_site_or_already_listed(client, tuesday, make_family):
    other = School(name="École Œuvre-d'Orient")
    db.session.add(other)
    db.session.commit()
    _fam, _user, (stranger,) = make_family(name="Lefèvre", school=other)
    page = client.get(list_url(tuesday))
    for child_id in (stranger.id, tuesday.lea.id, "x" * 10_000):
        answer = client.post(list_url(tuesday) + "/ajouter", data={"csrf_token": csrf_from(page.text),
                                                                   "child": child_id})
        assert answer.status_code == 422
        assert "Choisissez une valeur de la liste." in text(answer)
    assert marks(tuesday.meal) == {}


def test_marking_another_sites_child_is_404(client, tuesday, make_family):
    other = School(name="École du Parc")
    db.session.add(other)
    db.session.commit()
    _fam, _user, (stranger,) = make_family(name="Lefèvre", school=other)
    assert post_mark(client, tuesday, stranger, "present").status_code == 404
    page = client.get(list_url(tuesday))
    guardian = db.session.execute(db.select(Person).where(Person.role == "guardian")).scalars().first()
    answer = client.post(list_url(tuesday) + "/pointer",
                         data={"csrf_token": csrf_from(page.text), "child_id": guardian.id, "status": "present"})
    assert answer.status_code == 404


def test_csrf_is_required(client, tuesday):
    answer = client.post(list_url(tuesday) + "/pointer", data={"child_id": tuesday.lea.id, "status": "present"})
    assert answer.status_code == 400
    assert marks(tuesday.meal) == {}


@pytest.mark.parametrize("path", ["/gestion/pointage/999999/1/2026-11-24", "/gestion/pointage/1/999999/2026-11-24",
                                  "/gestion/pointage/{school}/{unit}/2026-13-01",
                                  "/gestion/pointage/{school}/{unit}/1999-01-01",
                                  "/gestion/pointage/{school}/{unit}/24-11-2026"])
def test_unknown_lists_are_404(client, tuesday, path):
    assert client.get(path.format(school=tuesday.school.id, unit=tuesday.meal.id)).status_code == 404


def test_parents_are_refused(client, tuesday, login_as):
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    login_as(tuesday.martin_parent)
    assert client.get(list_url(tuesday)).status_code == 403
    assert client.get("/gestion/pointage").status_code == 403


def test_sites_for(tuesday, make_family):
    assert [s.id for s in access.sites_for(tuesday.agent)] == [tuesday.school.id]
    assert access.sites_for(tuesday.martin_parent) == []


# --------------------------------------------------------------------------- health flags


def _health(child, **fields):
    db.session.add(ChildHealth(child_id=child.id, **fields))
    db.session.commit()


def test_health_flags_only_with_the_right_and_logged(client, tuesday):
    _health(tuesday.lea, pai=True, allergies="Arachide, fruits à coque", diet="Sans porc")
    page = client.get(list_url(tuesday))
    assert "Arachide" not in page.text and "PAI" not in text_of(page)
    assert db.session.scalar(db.select(db.func.count(HealthAccess.id))) == 0
    tuesday.agent.can_see_health = True
    db.session.commit()
    page = client.get(list_url(tuesday))
    body = text_of(page)
    assert "Santé (PAI, allergies, régime)" in body
    assert "PAI" in body and "Allergies : Arachide, fruits à coque" in body and "Régime : Sans porc" in body
    logged = db.session.execute(db.select(HealthAccess)).scalars().all()
    assert [(h.child_id, h.place) for h in logged] == [(tuesday.lea.id, "pointage")]


# --------------------------------------------------------------------------- PDF


def test_pdf_list_is_a_tagged_pdf(app, client, tuesday):
    answer = client.get(list_url(tuesday) + "/liste.pdf")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    from blueprints.attendance import pdf, service

    with app.test_request_context():
        rows = service.day_rows(tuesday.school, tuesday.meal, TUE_24)
        body = pdf.render_pdf("attendance/list_pdf.html", site=tuesday.school, unit=tuesday.meal, day=TUE_24,
                              rows=rows, totals=service.totals(rows), show_health=False, mark_text=str,
                              booking_words={"justified": "Absence justifiée"}, format_date=str,
                              uncompressed_pdf=True)
    assert b"/StructTreeRoot" in body and b'pdfuaid:part="1"' in body and b"/Lang (fr)" in body
    assert "Liste de pointage".encode("utf-16-be") in body or b"Liste de pointage" in body


def test_routes_follow_sites_for(client, tuesday, monkeypatch):
    """The roles will restrict `sites_for`: every list and count must follow it (here: another site only)."""
    other = School(name="École du Parc")
    db.session.add(other)
    db.session.commit()
    other_id = other.id
    monkeypatch.setattr(access, "sites_for",
                        lambda user: [db.session.get(School, other_id)] if user.is_agent else [])
    assert client.get(list_url(tuesday)).status_code == 404
    assert client.get(list_url(tuesday) + "/liste.pdf").status_code == 404
    page = client.get("/gestion/pointage")
    assert "École du Parc" in page.text and "Jean-de-La-Fontaine" not in page.text
    counts = client.get("/gestion/cuisine/2026-11-24")
    assert "Jean-de-La-Fontaine" not in counts.text and "Repas réservés : 0" in text_of(counts)


def test_a_mark_racing_another_keeps_one_row(app, tuesday, monkeypatch):
    """Two identical marks at once (a retry after a lost answer): the second INSERT hits the unique constraint
    inside its savepoint, finds the first row and updates it; nothing else in the transaction is lost."""
    from blueprints.attendance import service

    service.mark(tuesday.lea, tuesday.meal, TUE_24, "present", TUESDAY_MORNING, actor_id=tuesday.agent.id)
    db.session.commit()
    real, calls = service._attendance, []

    def blind_first(*args):  # the first look-up misses the row the other request just wrote
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(service, "_attendance", blind_first)
    db.session.add(School(name="Écrit dans la même transaction"))
    assert service.mark(tuesday.lea, tuesday.meal, TUE_24, "absent", TUESDAY_MORNING,
                        actor_id=tuesday.agent.id) is None
    db.session.commit()
    assert marks(tuesday.meal) == {(tuesday.lea.id, TUE_24): "absent"}
    assert db.session.execute(db.select(School).where(School.name == "Écrit dans la même transaction")).scalar()


def test_the_list_is_in_french_alphabetical_order(client, tuesday, make_family):
    _fam, _user, (emile,) = make_family(name="Écuyer", children=("Émile",), school=tuesday.school)
    from models import Reservation

    db.session.add(Reservation(child_id=emile.id, unit_id=tuesday.meal.id, date=TUE_24, state="reserved"))
    db.session.commit()
    body = text_of(client.get(list_url(tuesday)))
    assert body.index("Bernard Inès") < body.index("Écuyer Émile") < body.index("Martin Léa")
