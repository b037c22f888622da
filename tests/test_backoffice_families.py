"""Back office: agents create a family file (guardians, children), edit it, its members and contacts, enrol a child
in an activity for a period and unenrol them (bookings from tomorrow on cancelled after a confirmation). Rules in
tables; every form with its French errors, nothing half-saved, replays harmless, CSRF and access checked."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support import csrf_from, enroll, main_of, outbox, region, text, text_of, title_of

from blueprints.auth import tokens
from blueprints.families import rules, service
from models import (
    AccountToken,
    Enrollment,
    Family,
    FamilyChange,
    Period,
    Person,
    Reservation,
    ReservationChange,
    db,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)  # Monday 23 November 2026, 10:00 in Paris
TODAY = dt.date(2026, 11, 23)
NEW = "/gestion/familles/nouvelle"


@pytest.fixture
def agent(app, client, make_agent, login_as):
    app.config["CLOCK"] = lambda: NOW
    user = make_agent()
    assert login_as(user).status_code == 302
    return user


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def new_family_form(page, **overrides) -> dict:
    """A complete "Créer une famille" form as a browser sends it: one guardian, one child, second guardian blank."""
    data = {
        "csrf_token": csrf_from(page.text),
        "name": "Œuvray-N’Diaye", "address": "12 rue des Tilleuls", "postcode": "49999", "city": "Démo-sur-Loire",
        "phone": "", "email": "",
        "guardian1-civility": "Mme", "guardian1-first_name": "Zoé", "guardian1-last_name": "D'Angelo",
        "guardian1-relationship_label": "mère", "guardian1-email": "zoe.dangelo@example.org",
        "guardian1-phone": "06 12 34 56 78",
        "guardian2-civility": "", "guardian2-first_name": "", "guardian2-last_name": "",
        "guardian2-relationship_label": "", "guardian2-email": "", "guardian2-phone": "",
        "children-0-first_name": "Maël", "children-0-last_name": "Œuvray-N’Diaye",
        "children-0-birth_date": "14/03/2019", "children-0-school_id": "", "children-0-class_name": "CE1",
    }
    data.update(overrides)
    return data


def post_new(client, headers=None, **overrides):
    page = client.get(NEW)
    return client.post(NEW, data=new_family_form(page, **overrides), headers=headers or {})


def field_error(page, field_id: str) -> str:
    """The message shown next to a field (its -error paragraph), as read."""
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page.get_data(as_text=True), re.S)
    assert match, f"no error next to #{field_id}"
    return text_of(match.group(1)).removeprefix("Erreur : ")


def summary_links(page) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary".*?</div>', page.get_data(as_text=True), re.S)
    assert block, "no error summary"
    return [(href, text_of(label)) for href, label in re.findall(r'<a href="(#[^"]+)">(.*?)</a>', block.group(0))]


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("taken, expected", [
    ([], "D-2026-0001"),
    (["D-2026-0030", "D-2026-0007", "D-2025-0099", "T-0001-ab12"], "D-2026-0031"),
    (["D-2026-9999"], "D-2026-10000"),
    (["D-2026-00x1", "D-2026-"], "D-2026-0001"),
])
def test_next_dossier_number(taken, expected):
    assert rules.next_dossier_number(2026, taken) == expected


@pytest.mark.parametrize("born, problem", [
    (dt.date(2026, 11, 24), "future"),
    (dt.date(2026, 11, 23), None),  # born today
    (dt.date(2008, 11, 24), None),  # 18 tomorrow
    (dt.date(2008, 11, 23), "adult"),  # 18 today
    (dt.date(2008, 2, 29), "adult"),  # 18 on 1 March 2026
    (dt.date(1990, 1, 1), "adult"),
])
def test_birth_date_problem(born, problem):
    assert rules.birth_date_problem(born, TODAY) == problem


def test_enrollment_problem_and_open_periods():
    running = SimpleNamespace(id=1, start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 7, 3))
    over = SimpleNamespace(id=2, start_date=dt.date(2026, 7, 6), end_date=dt.date(2026, 8, 28))
    ends_today = SimpleNamespace(id=3, start_date=dt.date(2026, 11, 1), end_date=TODAY)
    assert rules.enrollment_problem(running, TODAY, [5]) is None
    assert rules.enrollment_problem(running, TODAY, [1]) == "already"
    assert rules.enrollment_problem(over, TODAY, []) == "over"
    assert rules.enrollment_problem(ends_today, TODAY, []) is None
    assert rules.open_periods([over, running, ends_today], TODAY) == [running, ends_today]


def test_unenrolment_cancels_the_activity_days_after_today_inside_the_period():
    period = SimpleNamespace(start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 12, 18))
    rows = [SimpleNamespace(unit_id=u, date=d) for u, d in [
        (1, dt.date(2026, 11, 20)), (1, TODAY), (1, dt.date(2026, 11, 24)), (2, dt.date(2026, 11, 24)),
        (1, dt.date(2026, 12, 18)), (1, dt.date(2027, 1, 4))]]
    kept = rules.cancelled_by_unenrolment(rows, period, [1], TODAY)
    assert [(r.unit_id, r.date) for r in kept] == [(1, dt.date(2026, 11, 24)), (1, dt.date(2026, 12, 18))]


def test_changed_fields_and_child_removal():
    assert rules.changed_fields({"a": 1, "b": "x"}, {"a": 1, "b": "y", "c": None}) == ["b"]
    assert rules.child_removal_problem(True) == "history"
    assert rules.child_removal_problem(False) is None


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("method, url", [
    ("get", NEW), ("post", NEW), ("get", "/gestion/familles/{f}/modifier"),
    ("get", "/gestion/familles/{f}/enfants/ajouter"), ("get", "/gestion/familles/{f}/enfants/{c}/inscrire"),
    ("post", "/gestion/familles/{f}/personnes/{c}/supprimer"),
])
def test_parents_are_refused_every_family_edit(client, make_family, login_as, method, url):
    fam, user, (lea,) = make_family()
    login_as(user)
    csrf = csrf_from(client.get("/mon-accueil").text)
    response = getattr(client, method)(url.format(f=fam.id, c=lea.id), data={"csrf_token": csrf})
    assert response.status_code == 403
    assert count(Person) == 2


def test_the_families_list_links_to_the_creation_form(client, agent):
    page = client.get("/gestion/familles")
    assert f'href="{NEW}">Créer une famille</a>' in page.text
    form = client.get(NEW)
    assert title_of(form).startswith("Créer une famille — ")
    assert "<h1>Créer une famille</h1>" in text(form)


# --------------------------------------------------------------------------- creating a family


def test_agent_creates_a_family_kept_as_typed_and_lands_on_its_page(app, client, agent, school):
    response = post_new(client, **{
        "name": "  Œuvray-N’Diaye ", "guardian1-last_name": " D'Angelo  ", "children-0-school_id": str(school.id),
        "guardian2-first_name": "Jean-Noël", "guardian2-last_name": "Œuvray", "guardian2-phone": "+33 6 98 76 54 32",
        "guardian2-relationship_label": "père"})
    assert response.status_code == 302
    family = db.session.execute(select(Family)).scalar_one()
    assert response.headers["Location"].endswith(f"/gestion/familles/{family.id}")
    assert family.dossier_number == "D-2026-0001"
    assert (family.name, family.address, family.postcode, family.city) == (
        "Œuvray-N’Diaye", "12 rue des Tilleuls", "49999", "Démo-sur-Loire")
    # the family's own phone and e-mail default to the first guardian's
    assert (family.phone, family.email) == ("06 12 34 56 78", "zoe.dangelo@example.org")
    first, second = sorted(family.guardians, key=lambda g: g.id)
    assert (first.civility, first.first_name, first.last_name, first.relationship_label) == (
        "Mme", "Zoé", "D'Angelo", "mère")
    assert (second.first_name, second.last_name, second.phone) == ("Jean-Noël", "Œuvray", "+33 6 98 76 54 32")
    [child] = family.children
    assert (child.first_name, child.last_name, child.birth_date, child.school_id, child.class_name) == (
        "Maël", "Œuvray-N’Diaye", dt.date(2019, 3, 14), school.id, "CE1")
    [change] = db.session.execute(select(FamilyChange)).scalars().all()
    assert change.action == "created" and change.actor_id == agent.id and change.at == NOW
    assert change.summary == "Dossier D-2026-0001 créé : 2 représentants, 1 enfant."

    page = client.get(response.headers["Location"])
    assert region(page, "status") == ("Dossier D-2026-0001 créé pour la famille Œuvray-N’Diaye. Vous pouvez "
                                      "maintenant inviter les représentants à créer leur compte.")
    assert "Inviter la famille" in text(page) and "Maël Œuvray-N’Diaye" in text(page)
    assert "Dossier D-2026-0001 créé : 2 représentants, 1 enfant." in text_of(main_of(page))


def test_dossier_numbers_follow_the_year_s_highest(client, agent, make_family):
    fam, _, _ = make_family()
    fam.dossier_number = "D-2026-0030"
    db.session.commit()
    post_new(client)
    assert db.session.execute(select(Family.dossier_number).where(Family.id != fam.id)).scalar_one() == "D-2026-0031"


def test_a_number_taken_meanwhile_is_retried_and_nothing_is_doubled(client, agent, make_family, monkeypatch):
    """Another agent's file took D-2026-0031 between our reading of the numbers and our insert."""
    fam, _, _ = make_family()
    fam.dossier_number = "D-2026-0031"
    db.session.commit()
    real, calls = service.taken_numbers, []

    def stale_first(year):
        calls.append(year)
        return ["D-2026-0030"] if len(calls) == 1 else real(year)

    monkeypatch.setattr(service, "taken_numbers", stale_first)
    assert post_new(client).status_code == 302
    created = db.session.execute(select(Family).where(Family.id != fam.id)).scalar_one()
    assert created.dossier_number == "D-2026-0032"
    assert count(Family) == 2 and count(FamilyChange) == 1
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.family_id == created.id)) == 2


def test_the_same_form_sent_twice_makes_one_file(client, agent, monkeypatch):
    page = client.get(NEW)
    data = new_family_form(page)
    data["key"] = re.search(r'name="key" type="hidden" value="([0-9a-f]{32})"', page.text).group(1)
    first = client.post(NEW, data=data)
    client.get(first.headers["Location"])
    second = client.post(NEW, data=data)  # a double click, a reload of the answer
    assert second.headers["Location"] == first.headers["Location"]
    assert region(client.get(second.headers["Location"]), "status") == (
        "Le formulaire a été envoyé deux fois : le dossier D-2026-0001 avait déjà été créé, le voici.")
    # the two requests at the same instant: the second one's look-up missed the first file, its insert fails
    real, calls = service.family_with_key, []
    monkeypatch.setattr(service, "family_with_key", lambda key: calls.append(key) or (None if len(calls) == 1
                                                                                     else real(key)))
    third = client.post(NEW, data=data)
    assert third.headers["Location"] == first.headers["Location"] and len(calls) >= 2
    assert count(Family) == 1 and count(Person) == 2 and count(FamilyChange) == 1
    assert client.get(NEW).text.count('name="key"') == 1 and data["key"] not in client.get(NEW).text


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_simultaneous_creations_get_different_numbers(app):
    """PostgreSQL: six files created at once, each in its own thread and transaction, get six numbers."""
    barrier, errors, ids = threading.Barrier(6), [], []
    values = service.FamilyValues("Même", "1 rue", "49999", "Démo")
    guardian = service.PersonValues("Camille", "Même", phone="0612345678")

    def create():
        try:
            with app.app_context():
                service.taken_numbers(2026)
                db.session.commit()
                barrier.wait(timeout=20)
                ids.append(service.create_family(values, [guardian], [], NOW, TODAY, actor_id=None)[0])
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(repr(exc))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(db.session.execute(select(Family.dossier_number)).scalars())
    assert numbers == [f"D-2026-{n:04d}" for n in range(1, 7)]


@pytest.mark.parametrize("htmx", [False, True])
def test_creation_errors_are_listed_and_shown_next_to_the_fields_nothing_saved(client, agent, htmx):
    response = post_new(client, headers={"HX-Request": "true"} if htmx else None, **{
        "name": "   ", "guardian1-first_name": "", "guardian1-email": "pas-une-adresse",
        "guardian1-last_name": "É" * 101, "postcode": "4" * 11, "children-0-birth_date": "31/02/2019"})
    assert response.status_code == 200
    assert title_of(response).startswith("Erreur : Créer une famille")
    assert "<html" in response.get_data(as_text=True)  # the whole page, with or without htmx
    expected = [
        ("#name", "Saisissez le nom de la famille."),
        ("#postcode", "Le code postal doit contenir au plus 10 caractères."),
        ("#guardian1-first_name", "Premier représentant : saisissez le prénom."),
        ("#guardian1-last_name", "Premier représentant : le nom doit contenir au plus 100 caractères."),
        ("#guardian1-email", "Premier représentant : saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
        ("#children-0-birth_date", "Enfant 1 : saisissez une date de naissance valide, par exemple 14/03/2019."),
    ]
    assert summary_links(response) == expected
    for anchor, message in expected:
        assert field_error(response, anchor[1:]) == message
    body = response.get_data(as_text=True)
    assert 'id="guardian1-first_name"' in body and 'aria-describedby="guardian1-first_name-error"' in body
    assert 'value="31/02/2019"' in body  # what was typed stays in the field
    assert count(Family) == 0 and count(Person) == 0 and count(FamilyChange) == 0


@pytest.mark.parametrize("born, message", [
    ("24/11/2026", "Enfant 1 : la date de naissance doit être passée : vérifiez le jour, le mois et l'année."),
    ("2008-11-23", "Enfant 1 : l'enfant doit avoir moins de 18 ans : vérifiez l'année de naissance."),
    ("", "Enfant 1 : saisissez la date de naissance."),
])
def test_a_child_s_birth_date_must_be_plausible(client, agent, born, message):
    response = post_new(client, **{"children-0-birth_date": born})
    assert field_error(response, "children-0-birth_date") == message
    assert count(Family) == 0


def test_a_guardian_needs_a_phone_or_an_email(client, agent):
    response = post_new(client, **{"guardian1-email": "", "guardian1-phone": ""})
    assert field_error(response, "guardian1-phone") == (
        "Premier représentant : saisissez un téléphone ou une adresse e-mail pour joindre ce représentant.")
    response = post_new(client, **{"guardian1-phone": "appelez-moi"})
    assert field_error(response, "guardian1-phone") == (
        "Premier représentant : saisissez un numéro de téléphone avec des chiffres, par exemple 06 12 34 56 78.")
    assert count(Family) == 0


def test_a_second_guardian_started_must_be_complete(client, agent):
    response = post_new(client, **{"guardian2-relationship_label": "père"})
    assert [a for a, _ in summary_links(response)] == [
        "#guardian2-first_name", "#guardian2-last_name", "#guardian2-phone"]
    assert count(Family) == 0


def test_blank_children_are_skipped_and_a_family_may_start_without_children(client, agent):
    response = post_new(client, **{"children-0-first_name": "", "children-0-last_name": "",
                                   "children-0-birth_date": "", "children-0-class_name": "",
                                   "children-1-first_name": " ", "children-1-school_id": ""})
    assert response.status_code == 302
    family = db.session.execute(select(Family)).scalar_one()
    assert family.children == [] and len(family.guardians) == 1


def test_an_email_used_by_another_family_s_login_is_refused(client, agent, make_family):
    _fam, user, _ = make_family(email="camille.martin@example.org")
    response = post_new(client, **{"guardian1-email": "Camille.Martin@Example.org"})
    assert field_error(response, "guardian1-email") == (
        "Premier représentant : l'adresse Camille.Martin@Example.org est déjà celle du compte d'une autre famille : "
        "saisissez une autre adresse, ou laissez le champ vide.")
    response = post_new(client, **{"guardian1-email": agent.email})
    assert field_error(response, "guardian1-email") == (
        "Premier représentant : l'adresse agent@example.org sert déjà à se connecter à un autre compte : saisissez une "
        "autre adresse, ou laissez le champ vide.")
    assert count(Family) == 1


def test_the_two_guardians_need_two_addresses(client, agent):
    response = post_new(client, **{"guardian2-first_name": "Jean", "guardian2-last_name": "D'Angelo",
                                   "guardian2-email": "ZOE.dangelo@example.org"})
    assert field_error(response, "guardian2-email") == (
        "Second représentant : un autre représentant de la famille a déjà l'adresse ZOE.dangelo@example.org : chacun "
        "doit avoir la sienne.")
    assert count(Family) == 0


def test_a_forged_school_is_refused_in_french(client, agent):
    response = post_new(client, **{"children-0-school_id": "999999"})
    assert field_error(response, "children-0-school_id") == "Enfant 1 : choisissez une valeur de la liste."
    assert count(Family) == 0


def test_add_another_child_sends_the_form_back_with_one_more_child(client, agent):
    response = post_new(client, action="add_child", name="Martin")
    assert response.status_code == 200 and count(Family) == 0
    body = text(response)
    assert "error-summary" not in body and not title_of(response).startswith("Erreur")
    assert 'value="Martin"' in body and 'value="Maël"' in body  # what was typed is kept
    assert 'id="enfant-2"' in body and 'id="children-1-first_name"' in body
    assert 'formaction="/gestion/familles/nouvelle#enfant-3"' in body  # the next one lands on its own fields
    assert body.index('tabindex="-1">Créer le dossier</button>') < body.index('value="add_child"')  # Enter creates


def test_creation_without_csrf_token_saves_nothing(client, agent):
    page = client.get(NEW)
    data = new_family_form(page)
    del data["csrf_token"]
    response = client.post(NEW, data=data)
    assert response.status_code == 400 and "Session expirée" in text(response)
    assert count(Family) == 0


# --------------------------------------------------------------------------- editing the family and its members


@pytest.fixture
def martin(make_family, school):
    """The Martin file: guardian Camille (activated login), children Léa and Hugo."""
    fam, user, kids = make_family(children=("Léa", "Hugo"), school=school)
    return SimpleNamespace(family=fam, user=user, guardian=fam.guardians[0], lea=kids[0], hugo=kids[1])


def form_of(client, url, **changes) -> dict:
    """The fields of the form on `url` as the page fills them (text, selects, ticked boxes), with `changes`."""
    body = client.get(url).get_data(as_text=True)
    form = body[body.index("<form", body.index("<main")):]
    form = form[: form.index("</form>")]
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        value = re.search(r'value="([^"]*)"', tag)
        if kind in ("checkbox", "radio") and "checked" not in tag:
            continue
        data[name.group(1)] = text(value.group(1)) if value else ("y" if kind == "checkbox" else "")
    for name, inner in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = [re.search(r'value="([^"]*)"', o).group(1) for o in re.findall(r"<option\b[^>]*>", inner)
                  if re.search(r"\bselected\b", o)]
        data[name] = chosen[0] if chosen else ""
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def save(client, url, **changes):
    return client.post(url, data=form_of(client, url, **changes))


def journal_lines(family_id) -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(select(FamilyChange.summary).where(FamilyChange.family_id == family_id)
                                   .order_by(FamilyChange.id)).scalars())


def test_edit_the_family_details(client, agent, martin):
    url = f"/gestion/familles/{martin.family.id}/modifier"
    page = client.get(url)
    assert title_of(page).startswith("Modifier les coordonnées — Famille Martin")
    assert 'value="1 rue de l&#39;École"' in page.text
    response = save(client, url, address="3 place de l’Église", phone="02 41 00 00 00")
    assert response.headers["Location"].endswith(f"/gestion/familles/{martin.family.id}")
    db.session.expire_all()
    assert (martin.family.address, martin.family.phone) == ("3 place de l’Église", "02 41 00 00 00")
    assert journal_lines(martin.family.id) == ["Coordonnées de la famille modifiées : adresse, téléphone."]
    page = client.get(response.headers["Location"])
    assert region(page, "status") == "Coordonnées de la famille Martin enregistrées."
    assert "Coordonnées de la famille modifiées : adresse, téléphone." in text_of(main_of(page))
    # the same form again changes nothing and records nothing
    save(client, url)
    assert len(journal_lines(martin.family.id)) == 1


def test_family_details_errors_save_nothing(client, agent, martin):
    url = f"/gestion/familles/{martin.family.id}/modifier"
    response = save(client, url, city="x" * 121, email="martin@", name="Dupont")
    assert title_of(response).startswith("Erreur : ")
    assert field_error(response, "city") == "La commune doit contenir au plus 120 caractères."
    assert field_error(response, "email") == "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."
    db.session.expire_all()
    assert martin.family.name == "Martin" and journal_lines(martin.family.id) == []


def test_unknown_family_or_member_is_404(client, agent, martin, make_family):
    other, _, (chloe,) = make_family(name="Bernard", children=("Chloé",))
    assert client.get("/gestion/familles/999999/modifier").status_code == 404
    assert client.get(f"/gestion/familles/{martin.family.id}/personnes/{chloe.id}/modifier").status_code == 404
    assert client.get(f"/gestion/familles/{martin.family.id}/enfants/{chloe.id}/inscrire").status_code == 404
    assert client.get(f"/gestion/familles/{martin.family.id}/enfants/{martin.guardian.id}/inscrire").status_code == 404
    assert client.get(f"/gestion/familles/{martin.family.id}/amis/ajouter").status_code == 404


def test_add_a_child_prefilled_with_the_family_name(client, agent, martin, school):
    url = f"/gestion/familles/{martin.family.id}/enfants/ajouter"
    page = client.get(url)
    assert title_of(page).startswith("Ajouter un enfant — Famille Martin")
    assert 'id="last_name"' in page.text and 'value="Martin"' in page.text
    response = save(client, url, first_name="Noé", birth_date="2023-01-31", school_id=str(school.id),
                    class_name="PS")
    noe = db.session.execute(select(Person).where(Person.first_name == "Noé")).scalar_one()
    assert response.headers["Location"].endswith(f"/gestion/familles/{martin.family.id}#personne-{noe.id}")
    assert (noe.role, noe.last_name, noe.birth_date, noe.school_id) == ("child", "Martin", dt.date(2023, 1, 31),
                                                                        school.id)
    assert journal_lines(martin.family.id) == ["Enfant ajouté : Noé Martin."]
    response = save(client, url, first_name="Paul", birth_date="01/01/2000")
    assert field_error(response, "birth_date") == "L'enfant doit avoir moins de 18 ans : vérifiez l'année de naissance."


def test_edit_a_child(client, agent, martin):
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.lea.id}/modifier"
    page = client.get(url)
    assert title_of(page).startswith("Modifier la fiche de Léa Martin — Famille Martin")
    assert 'value="14/03/2018"' in page.text  # the birth date as agents type it
    save(client, url, first_name="Léa-Rose", class_name="CE2")
    db.session.expire_all()
    assert (martin.lea.first_name, martin.lea.class_name) == ("Léa-Rose", "CE2")
    assert journal_lines(martin.family.id) == ["Fiche de Léa Martin modifiée : prénom, classe."]


def test_a_pending_login_follows_its_guardian_s_corrected_address(client, agent, martin, password_hash):
    martin.user.password_hash = None  # invited, not activated yet: the invitation went to a mistyped address
    tokens.issue(martin.user, "invitation", NOW)
    db.session.commit()
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.guardian.id}/modifier"
    save(client, url, email="Camille.Martin@example.org", civility="Mme")
    db.session.expire_all()
    assert martin.guardian.email == "Camille.Martin@example.org" and martin.guardian.civility == "Mme"
    assert martin.user.email == "camille.martin@example.org"
    assert all(t.expires_at <= NOW for t in db.session.execute(select(AccountToken)).scalars())  # old link ended
    page = text(client.get(f"/gestion/familles/{martin.family.id}"))
    assert "Renvoyer l'invitation" in page and "Identifiant de connexion" not in page


def test_an_activated_login_keeps_its_address(client, agent, martin):
    old = martin.user.email
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.guardian.id}/modifier"
    save(client, url, email="nouvelle@example.org")
    db.session.expire_all()
    assert martin.guardian.email == "nouvelle@example.org" and martin.user.email == old
    assert f"Identifiant de connexion : {old}" in text(client.get(f"/gestion/familles/{martin.family.id}"))


def test_a_guardian_cannot_take_another_family_s_login(client, agent, martin, make_family):
    _other, user, _ = make_family(name="Bernard")
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.guardian.id}/modifier"
    response = save(client, url, email=user.email.upper())
    assert "est déjà celle du compte d'une autre famille" in field_error(response, "email")
    db.session.expire_all()
    assert martin.guardian.email != user.email.upper()


def test_add_a_second_guardian_with_a_new_address(client, agent, martin):
    url = f"/gestion/familles/{martin.family.id}/representants/ajouter"
    response = save(client, url, first_name="Julien", last_name="Martin", email=martin.guardian.email.upper())
    assert "Un autre représentant de la famille a déjà l'adresse" in field_error(response, "email")
    save(client, url, first_name="Julien", last_name="Martin", email="julien@example.org", relationship_label="père")
    julien = db.session.execute(select(Person).where(Person.first_name == "Julien")).scalar_one()
    assert (julien.role, julien.can_pick_up, julien.emergency_contact) == ("guardian", True, True)
    assert "Inviter la famille : Julien Martin" in text_of(client.get(f"/gestion/familles/{martin.family.id}"))


def test_contacts_are_added_edited_and_removed_after_a_confirmation(client, agent, martin):
    add = f"/gestion/familles/{martin.family.id}/contacts/ajouter"
    response = save(client, add, first_name="Monique", last_name="Lefèvre", relationship_label="grand-mère")
    assert field_error(response, "phone") == "Saisissez le téléphone du contact."
    save(client, add, first_name="Monique", last_name="Lefèvre", relationship_label="grand-mère",
         phone="06 11 22 33 44", can_pick_up="y")
    monique = db.session.execute(select(Person).where(Person.role == "contact")).scalar_one()
    assert (monique.can_pick_up, monique.emergency_contact) == (True, False)
    page = text_of(client.get(f"/gestion/familles/{martin.family.id}"))
    assert "Monique Lefèvre Lien avec l'enfant : grand-mère Téléphone : 06 11 22 33 44" in page
    assert "Peut venir chercher l'enfant : oui À appeler en cas d'urgence : non" in page

    edit = f"/gestion/familles/{martin.family.id}/personnes/{monique.id}/modifier"
    save(client, edit, can_pick_up=None, emergency_contact="y")  # untick one box, tick the other
    db.session.expire_all()
    assert (monique.can_pick_up, monique.emergency_contact) == (False, True)

    remove = f"/gestion/familles/{martin.family.id}/personnes/{monique.id}/supprimer"
    confirm = client.get(remove)
    assert "<h1>Retirer Monique Lefèvre des contacts</h1>" in text(confirm)
    response = client.post(remove, data={"csrf_token": csrf_from(confirm.text)})
    assert response.status_code == 302 and count(Person) == 3
    assert region(client.get(response.headers["Location"]), "status") == "Contact retiré : Monique Lefèvre."
    replay = client.post(remove, data={"csrf_token": csrf_from(confirm.text)})  # a second click, a reload
    assert region(client.get(replay.headers["Location"]), "status") == (
        "Cette personne n'est plus dans le dossier : rien à supprimer.")
    assert journal_lines(martin.family.id) == [
        "Contact ajouté : Monique Lefèvre.", "Fiche de Monique Lefèvre modifiée : peut venir chercher l'enfant, "
        "à appeler en cas d'urgence.", "Contact retiré : Monique Lefèvre."]


def test_guardians_are_not_removed_from_here(client, agent, martin):
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.guardian.id}/supprimer"
    assert client.get(url).status_code == 404
    csrf = csrf_from(client.get(f"/gestion/familles/{martin.family.id}").text)
    assert client.post(url, data={"csrf_token": csrf}).status_code == 404


def test_a_child_without_history_can_be_deleted_with_their_enrolments(client, agent, martin, make_activity):
    activity, _unit, period = make_activity()
    enroll(martin.hugo, activity, period)
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.hugo.id}/supprimer"
    confirm = client.get(url)
    assert "<h1>Supprimer la fiche de Hugo Martin</h1>" in text(confirm) and "Oui, supprimer la fiche" in text(confirm)
    response = client.post(url, data={"csrf_token": csrf_from(confirm.text)})
    assert region(client.get(response.headers["Location"]), "status") == (
        "Fiche de l'enfant supprimée : Hugo Martin.")
    assert count(Person) == 2 and count(Enrollment) == 0  # Camille and Léa are left


def test_a_child_with_bookings_is_kept(client, agent, martin, make_activity):
    activity, unit, period = make_activity()
    enroll(martin.lea, activity, period)
    db.session.add(Reservation(child_id=martin.lea.id, unit_id=unit.id, date=dt.date(2026, 11, 16)))
    db.session.commit()
    url = f"/gestion/familles/{martin.family.id}/personnes/{martin.lea.id}/supprimer"
    message = ("La fiche de Léa Martin ne peut pas être supprimée : des réservations ou un historique y sont liés, "
               "gardés pour la facturation et le suivi. Pour arrêter ses réservations, désinscrivez l'enfant de ses "
               "activités.")
    confirm = client.get(url)
    assert message in text(confirm) and "Oui, supprimer" not in text(confirm)
    # a forged POST gets the same answer
    response = client.post(url, data={"csrf_token": csrf_from(confirm.text)})
    assert region(client.get(response.headers["Location"]), "alert") == message
    assert db.session.get(Person, martin.lea.id) is not None and count(Reservation) == 1


# --------------------------------------------------------------------------- enrolments


@pytest.fixture
def activities(make_activity):
    """A canteen (a school year), a leisure centre with a past and a coming session."""
    canteen = make_activity(code="restauration")
    leisure, unit, summer = make_activity(code="vacances", slot="morning", label="Matin", weekdays="01234",
                                          start=dt.date(2026, 7, 6), end=dt.date(2026, 8, 28))
    winter = Period(activity_id=leisure.id, name="Vacances d'hiver", start_date=dt.date(2027, 2, 8),
                    end_date=dt.date(2027, 2, 19))
    db.session.add(winter)
    db.session.commit()
    return SimpleNamespace(canteen=canteen[0], meal=canteen[1], year=canteen[2], leisure=leisure, summer=summer,
                           winter=winter)


def enroll_url(martin, child=None):
    return f"/gestion/familles/{martin.family.id}/enfants/{(child or martin.lea).id}/inscrire"


def test_enrol_a_child_in_a_period_of_an_activity(client, agent, martin, activities):
    page = client.get(enroll_url(martin))
    assert title_of(page).startswith("Inscrire Léa Martin à une activité")
    body = text(page)
    assert "<legend>Restauration</legend>" in body and "<legend>Vacances</legend>" in body
    assert "Vacances d'hiver" in body and "du lundi 8 février 2027 au vendredi 19 février 2027" in body
    assert f'value="{activities.summer.id}"' not in body  # over: not offered
    response = client.post(enroll_url(martin), data={"csrf_token": csrf_from(page.text),
                                                     "period_id": str(activities.winter.id)})
    assert response.headers["Location"].endswith(f"/gestion/familles/{martin.family.id}#personne-{martin.lea.id}")
    [enrollment] = db.session.execute(select(Enrollment)).scalars().all()
    assert (enrollment.child_id, enrollment.activity_id, enrollment.period_id) == (
        martin.lea.id, activities.leisure.id, activities.winter.id)
    family_page = client.get(response.headers["Location"])
    assert region(family_page, "status") == ("Inscription enregistrée : Léa Martin à « Vacances », période « Vacances "
                                             "d'hiver ». La famille peut maintenant réserver.")
    assert (f'aria-labelledby="desinscrire-{enrollment.id} nom-{martin.lea.id} inscription-{enrollment.id}"'
            in family_page.text)
    assert "Vacances, Vacances d'hiver" in text(family_page)
    assert journal_lines(martin.family.id) == ["Inscription de Léa Martin : Vacances, Vacances d'hiver."]
    # the period now reads as done on the page, and a replay says so
    assert "Vacances d'hiver (du lundi 8 février 2027 au vendredi 19 février 2027) — inscription déjà enregistrée" \
        in text_of(client.get(enroll_url(martin)))
    replay = client.post(enroll_url(martin), data={"csrf_token": csrf_from(page.text),
                                                   "period_id": str(activities.winter.id)})
    assert replay.status_code == 200 and title_of(replay).startswith("Erreur : ")
    assert field_error(replay, "period_id") == (
        "Léa Martin a déjà une inscription à « Vacances » pour la période « Vacances d'hiver ».")
    assert count(Enrollment) == 1


def test_a_child_enrolled_in_every_period_is_told_so(client, agent, martin, activities):
    for period in (activities.year, activities.winter):
        enroll(martin.lea, period.activity, period)
    page = client.get(enroll_url(martin))
    assert "Léa Martin a déjà une inscription à chaque période en cours ou à venir :" in text(page)
    assert 'type="radio"' not in page.text and ">Inscrire</button>" not in page.text


@pytest.mark.parametrize("period_id, message", [
    (None, "Choisissez une activité et une période."),
    ("summer", "Choisissez une valeur de la liste."),  # over: forged
    ("999999", "Choisissez une valeur de la liste."),
    ("abc", "Choisissez une activité et une période."),
])
def test_enrolment_errors(client, agent, martin, activities, period_id, message):
    page = client.get(enroll_url(martin))
    data = {"csrf_token": csrf_from(page.text)}
    if period_id:
        data["period_id"] = str(activities.summer.id) if period_id == "summer" else period_id
    response = client.post(enroll_url(martin), data=data)
    assert field_error(response, "period_id") == message
    assert summary_links(response) == [(f"#period_id-{activities.year.id}", message)]
    assert count(Enrollment) == 0


def test_a_simultaneous_enrolment_is_answered_as_already_done(client, agent, martin, activities, monkeypatch):
    """The check passed, but another request enrolled the child before our insert (unique child + period)."""
    page = client.get(enroll_url(martin))
    enroll(martin.lea, activities.canteen, activities.year)
    monkeypatch.setattr(service.rules, "enrollment_problem", lambda *args: None)
    response = client.post(enroll_url(martin), data={"csrf_token": csrf_from(page.text),
                                                     "period_id": str(activities.year.id)})
    assert "a déjà une inscription à « Restauration »" in field_error(response, "period_id")
    assert count(Enrollment) == 1 and count(FamilyChange) == 0


@pytest.fixture
def booked(martin, activities):
    """Léa enrolled in the canteen, with meals last week, today, and four coming days (one on the waiting list)."""
    enroll(martin.lea, activities.canteen, activities.year)
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    days = [dt.date(2026, 11, 16), TODAY, dt.date(2026, 11, 24), dt.date(2026, 11, 26), dt.date(2026, 11, 30)]
    db.session.add_all(Reservation(child_id=martin.lea.id, unit_id=activities.meal.id, date=d, requested_at=NOW)
                       for d in days)
    db.session.add(Reservation(child_id=martin.lea.id, unit_id=activities.meal.id, date=dt.date(2026, 12, 3),
                               state="waiting", requested_at=NOW))
    db.session.commit()
    return enrollment


def unenroll_url(martin, enrollment):
    return f"/gestion/familles/{martin.family.id}/inscriptions/{enrollment.id}/desinscrire"


def test_unenrolment_says_what_it_cancels_then_cancels_it(app, client, agent, martin, activities, booked):
    url = unenroll_url(martin, booked)
    confirm = client.get(url)
    assert title_of(confirm).startswith("Désinscrire Léa Martin : Restauration")
    shown = text_of(main_of(confirm))
    assert ("4 réservations seront annulées. Jours concernés : 4 jours, du mardi 24 novembre 2026 au jeudi 3 décembre "
            "2026.") \
        in shown
    assert "Les réservations d'aujourd'hui (lundi 23 novembre) et des jours passés ne changent pas." in shown
    assert "Désinscrire et annuler 4 réservations" in shown
    assert count(Enrollment) == 1 and count(Reservation) == 6  # looking changes nothing

    response = client.post(url, data={"csrf_token": csrf_from(confirm.text)})
    assert response.headers["Location"].endswith(f"#personne-{martin.lea.id}")
    assert count(Enrollment) == 0
    assert sorted(r.date for r in db.session.execute(select(Reservation)).scalars()) == [
        dt.date(2026, 11, 16), TODAY]
    changes = db.session.execute(select(ReservationChange)).scalars().all()
    assert len(changes) == 4 and {(c.via, c.actor_id, c.after) for c in changes} == {("system", agent.id, None)}
    assert {c.reason for c in changes} == {"Désinscription de « Restauration » par le service"}
    page = client.get(response.headers["Location"])
    assert region(page, "status") == ("Désinscription enregistrée : Léa Martin de « Restauration », période « Année "
                                      "scolaire 2026-2027 ». 4 réservations annulées ; la famille est prévenue par "
                                      "e-mail.")
    [mail] = outbox(app)
    assert mail["To"] == martin.user.email
    body = mail.get_content()
    assert "Le service Enfance a retiré l'inscription de Léa à « Restauration »" in body
    assert "mardi 24 novembre 2026 : Repas" in body
    assert "jeudi 3 décembre 2026 : Repas (place en liste d'attente)" in body
    assert journal_lines(martin.family.id)[-1] == (
        "Désinscription de Léa Martin : Restauration, Année scolaire 2026-2027 (4 réservations annulées).")
    # a second click finds nothing left to do
    replay = client.post(url, data={"csrf_token": csrf_from(confirm.text)})
    assert region(client.get(replay.headers["Location"]), "status") == (
        "Cette inscription n'existe plus : l'enfant a déjà été désinscrit.")
    assert len(outbox(app)) == 1 and count(ReservationChange) == 4


def test_a_freed_place_goes_to_the_waiting_list(app, client, agent, martin, activities, booked, make_family):
    activities.meal.capacity = 1
    _fam, other_user, (chloe,) = make_family(name="Bernard", children=("Chloé",))
    enroll(chloe, activities.canteen, activities.year)
    db.session.add(Reservation(child_id=chloe.id, unit_id=activities.meal.id, date=dt.date(2026, 11, 26),
                               state="waiting", requested_at=NOW + dt.timedelta(minutes=1)))
    db.session.commit()
    url = unenroll_url(martin, booked)
    client.post(url, data={"csrf_token": csrf_from(client.get(url).text)})
    db.session.expire_all()
    state = db.session.execute(select(Reservation.state).where(Reservation.child_id == chloe.id)).scalar_one()
    assert state == "reserved"
    assert [m["To"] for m in outbox(app)] == [martin.user.email, other_user.email]


def test_unenrolment_without_coming_bookings(client, agent, martin, activities):
    enroll(martin.lea, activities.canteen, activities.year)
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    confirm = client.get(unenroll_url(martin, enrollment))
    assert "Aucune réservation à venir pour cette activité : rien ne sera annulé." in text(confirm)
    response = client.post(unenroll_url(martin, enrollment), data={"csrf_token": csrf_from(confirm.text)})
    assert region(client.get(response.headers["Location"]), "status") == (
        "Désinscription enregistrée : Léa Martin de « Restauration », période « Année scolaire 2026-2027 ».")
    assert count(Enrollment) == 0


def test_another_family_s_enrolment_is_not_touched_through_this_family(client, agent, martin, activities,
                                                                        make_family):
    _fam, _user, (chloe,) = make_family(name="Bernard", children=("Chloé",))
    enroll(chloe, activities.canteen, activities.year)
    theirs = db.session.execute(select(Enrollment)).scalar_one()
    url = unenroll_url(martin, theirs)
    csrf = csrf_from(client.get(f"/gestion/familles/{martin.family.id}").text)
    response = client.post(url, data={"csrf_token": csrf})
    assert response.status_code == 302 and count(Enrollment) == 1
