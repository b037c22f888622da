"""The parent's space: "Mon accueil" and the child pages, scoped to the logged-in family."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from support import PASSWORD, csrf_from, enroll, text

from models import Family, Person, db


def comparable(response) -> str:
    return re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', r'\1"', response.get_data(as_text=True))


def test_mon_accueil_lists_the_family_with_a_link_per_child(client, make_family, login_as, school):
    fam, user, (lea, hugo) = make_family(name="Martin", children=("Léa", "Hugo"), school=school)
    db.session.add(
        Person(
            family_id=fam.id,
            role="contact",
            first_name="Josiane",
            last_name="Martin",
            relationship_label="grand-mère",
            can_pick_up=True,
        )
    )
    db.session.commit()
    login_as(user)
    page = client.get("/mon-accueil")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for child in (lea, hugo):
        assert f'<a href="/enfants/{child.id}">{html.escape(child.full_name)}</a>' in body
    shown = text(page)
    assert "Camille Martin" in shown  # the guardian
    assert "Josiane Martin (grand-mère) — peut venir chercher les enfants" in shown
    assert fam.dossier_number in shown
    assert school.name in shown


def test_mon_accueil_without_children_says_whom_to_ask(client, make_family, login_as):
    _, user, _ = make_family(children=())
    login_as(user)
    assert "Aucun enfant n'est inscrit dans votre dossier" in text(client.get("/mon-accueil"))


def test_child_page_shows_the_child(client, make_family, login_as, make_activity):
    _, user, (lea,) = make_family(children=("Léa",))
    activity, _, period = make_activity(code="restauration")
    enroll(lea, activity, period)
    login_as(user)
    page = client.get(f"/enfants/{lea.id}")
    assert page.status_code == 200
    shown = text(page)
    assert "<h1>Léa Martin</h1>" in shown
    assert "Restauration — Année scolaire 2026-2027 (du mardi 1er septembre 2026 au samedi 3 juillet 2027)" in shown
    assert not re.search(r"\d\d/\d\d/\d{4}", shown)  # dates written out on a parent's page


def test_a_parent_cannot_open_another_familys_child(app, client, make_family, login_as):
    _, user, (own,) = make_family(name="Martin")
    _, _, (other,) = make_family(name="Bernard")
    login_as(user)
    foreign = client.get(f"/enfants/{other.id}")
    missing = client.get("/enfants/999999")
    assert foreign.status_code == missing.status_code == 404
    assert comparable(foreign) == comparable(missing)  # nothing tells that the child exists
    assert "Bernard" not in text(foreign)
    assert client.get(f"/enfants/{own.id}").status_code == 200


def test_a_guardian_is_not_a_child_page(client, make_family, login_as):
    fam, user, _ = make_family()
    login_as(user)
    guardian = fam.guardians[0]
    assert client.get(f"/enfants/{guardian.id}").status_code == 404


@pytest.mark.parametrize("url", ["/mon-accueil", "/enfants/{child}"])
def test_an_agent_has_no_parent_pages(client, make_family, make_agent, login_as, url):
    _, _, (child,) = make_family()
    login_as(make_agent())
    assert client.get(url.format(child=child.id)).status_code == 403


@pytest.mark.parametrize("url", ["/mon-accueil", "/enfants/{child}"])
def test_an_anonymous_visitor_is_sent_to_login(client, make_family, url):
    _, _, (child,) = make_family()
    path = url.format(child=child.id)
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/connexion"
    assert parse_qs(location.query)["next"] == [path]


def test_a_parent_whose_family_file_was_removed_gets_no_page(client, make_family, login_as):
    _fam, user, _ = make_family()
    login_as(user)
    user.family_id = None
    db.session.commit()
    assert client.get("/mon-accueil").status_code == 403


UNICODE_FAMILY = "N'Diaye-Lefèvre"
UNICODE_CHILDREN = ("Zoé", "Œnone", "Jean-Loïc", "Maël")


def test_names_with_accents_ligatures_apostrophes_and_hyphens_display_as_written(client, make_family, login_as):
    _, user, kids = make_family(name=UNICODE_FAMILY, children=UNICODE_CHILDREN)
    login_as(user)
    dashboard = text(client.get("/mon-accueil"))
    assert f"Bonjour Camille {UNICODE_FAMILY}" in dashboard
    for first in UNICODE_CHILDREN:
        assert f"{first} {UNICODE_FAMILY}" in dashboard
    child = client.get(f"/enfants/{kids[1].id}")
    assert f"<h1>Œnone {UNICODE_FAMILY}</h1>" in text(child)
    assert f"<title>Œnone {UNICODE_FAMILY} — " in text(child)


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_in_names_is_shown_as_text(client, make_family, login_as):
    _fam, user, (kid,) = make_family(name=XSS, children=(XSS,))
    user.display_name = XSS
    db.session.commit()
    login_as(user)
    for url in ("/mon-accueil", f"/enfants/{kid.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body or "&lt;script&gt;alert(&quot;x&quot;)" in body


def test_the_dashboard_is_the_logged_in_familys_own(client, make_family, login_as):
    _, martin, _ = make_family(name="Martin", children=("Léa",))
    make_family(name="Bernard", children=("Nina",))
    login_as(martin)
    shown = text(client.get("/mon-accueil"))
    assert "Léa Martin" in shown and "Nina" not in shown and "Bernard" not in shown
    assert db.session.scalar(db.select(db.func.count()).select_from(Family)) == 2


def test_mon_accueil_lists_what_to_do_for_this_family_only(app, client, make_family, login_as, make_activity):
    """An absence awaiting its certificate (window still open) and an upcoming waiting-list entry come first;
    a justified absence, an expired window and another family's absence do not appear."""
    import datetime as dt

    from models import Absence, Reservation

    app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    _, user, (lea,) = make_family("Martin", children=("Léa",))
    _, _, (other,) = make_family("Bernard", children=("Chloé",))
    activity, unit, period = make_activity()
    evening, evening_unit, evening_period = make_activity("accueil-soir", slot="afternoon", label="Accueil du soir")
    for child in (lea, other):
        enroll(child, activity, period)
    enroll(lea, evening, evening_period)
    pending = Absence(child_id=lea.id, start_date=dt.date(2026, 11, 19), end_date=dt.date(2026, 11, 22))
    expired = Absence(child_id=lea.id, start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 3))
    elsewhere = Absence(child_id=other.id, start_date=dt.date(2026, 11, 19), end_date=dt.date(2026, 11, 20))
    db.session.add_all([pending, expired, elsewhere])
    db.session.add_all(
        [
            Reservation(child_id=lea.id, unit_id=unit.id, date=dt.date(2026, 11, 19), state="absent"),
            Reservation(child_id=lea.id, unit_id=unit.id, date=dt.date(2026, 11, 2), state="absent"),
            Reservation(child_id=other.id, unit_id=unit.id, date=dt.date(2026, 11, 19), state="absent"),
            Reservation(child_id=lea.id, unit_id=unit.id, date=dt.date(2026, 12, 3), state="waiting"),
        Reservation(child_id=lea.id, unit_id=evening_unit.id, date=dt.date(2026, 12, 3), state="waiting"),
            Reservation(child_id=lea.id, unit_id=unit.id, date=dt.date(2026, 11, 16), state="waiting"),
        ]
    )
    db.session.commit()
    login_as(user)
    page = html.unescape(client.get("/mon-accueil").text)
    assert "À faire" in page
    assert page.count("Envoyer le justificatif de l'absence de Léa") == 1
    assert f"/absences/{pending.id}/justificatif" in page
    assert "jusqu'au mardi 24 novembre à 23 h 59" in page
    assert "Léa est sur la liste d'attente : Repas, Accueil du soir du jeudi 3 décembre." in page  # one line a day
    assert "16 novembre" not in page  # past waiting entry
    assert "Chloé" not in page

    pending.justified_at = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)
    db.session.execute(db.update(Reservation).where(Reservation.state == "absent").values(state="justified"))
    db.session.execute(db.delete(Reservation).where(Reservation.state == "waiting"))
    db.session.commit()
    assert "À faire" not in html.unescape(client.get("/mon-accueil").text)


# --------------------------------------------------------------------------- query budget


def family_with(make_family, make_activity, n: int):
    """A family of `n` children, each at a different school and enrolled in `n` activities (one period each)."""
    from models import School

    _, user, kids = make_family(name=f"Famille{n}", children=tuple(f"Enfant{i}" for i in range(n)))
    activities = [make_activity(code=f"activite{n}{i}") for i in range(n)]
    for i, kid in enumerate(kids):
        kid.school = School(name=f"École {n}-{i}")
        for activity, _unit, period in activities:
            enroll(kid, activity, period)
    db.session.commit()
    return user, kids


def statements_for(client, url: str) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return seen


def test_family_pages_cost_the_same_queries_for_one_child_or_four(app, make_family, make_activity):
    """Mon accueil (each child's school) and a child's page (school, each enrolment's activity and period): no query
    per child or per enrolment."""
    costs = []
    for n in (1, 4):
        user, kids = family_with(make_family, make_activity, n)
        client = app.test_client()
        client.post(
            "/connexion",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(client.get("/connexion").text)},
        )
        assert all(f"École {n}-{i}" in client.get("/mon-accueil").text for i in range(n))  # also the warm-up
        assert html.unescape(client.get(f"/enfants/{kids[0].id}").text).count(" — Année scolaire 2026-2027 (du ") == n
        costs.append(
            (len(statements_for(client, "/mon-accueil")), len(statements_for(client, f"/enfants/{kids[0].id}")))
        )
    assert costs[0] == costs[1], costs
