"""The agents' side of the démarches and the rules that keep the family file whole: take, ask for a complement (the
family completes and sends again, same number), refuse with a reason, immediate démarches, two guardians editing at
once, a file changed before the agent accepts, all or nothing, gapless numbers under concurrency."""

from __future__ import annotations

import threading

import pytest
from procedures_world import NOW, address_request, logout, offer, post_step, request_id_from, start, submit
from sqlalchemy.orm.exc import StaleDataError
from support import PASSWORD, PG_URL, csrf_from, outbox, text_of, title_of

from blueprints.families import service as families
from blueprints.procedures import record, rules, service
from models import Family, Person, ProcedureCounter, ProcedureRequest, User, db


@pytest.fixture
def world(app, make_family, make_agent, password_hash):
    app.config["CLOCK"] = lambda: NOW
    family, parent, kids = make_family("Martin")
    second = Person(family_id=family.id, role="guardian", first_name="Julien", last_name="Martin",
                    email="julien@example.org", phone="06 12 34 56 79")
    db.session.add(second)
    db.session.flush()
    other_parent = User(email="julien@example.org", role="parent", family_id=family.id, person_id=second.id,
                        display_name="Julien Martin", password_hash=password_hash)
    db.session.add(other_parent)
    db.session.commit()
    return {"type": offer("coordonnees"), "phones": offer("telephones"), "family": family, "parent": parent,
            "second": other_parent, "agent": make_agent()}


def agent_post(client, rid, action, **data):
    page = client.get(f"/gestion/demandes/{rid}")
    return client.post(f"/gestion/demandes/{rid}/{action}", data={"csrf_token": csrf_from(page.text), **data})


def sent_request(client, login_as, world, **kwargs):
    login_as(world["parent"])
    rid = address_request(client, world["type"], **kwargs)
    assert submit(client, rid).status_code == 302
    logout(client)
    return rid


def test_take_ask_complete_and_accept(client, login_as, world, app):
    rid = sent_request(client, login_as, world)
    login_as(world["agent"])
    assert agent_post(client, rid, "prendre").status_code == 302
    req = db.session.get(ProcedureRequest, rid)
    assert (req.status, req.assigned_to_id) == ("in_progress", world["agent"].id)
    empty = agent_post(client, rid, "completer", **{"completer-message": "  "})
    assert empty.status_code == 200 and title_of(empty).startswith("Erreur : ")
    assert "Écrivez à la famille ce qu'elle doit compléter." in text_of(empty)
    agent_post(client, rid, "completer", **{"completer-message": "Le code postal semble faux : vérifiez-le."})
    db.session.expire_all()
    assert db.session.get(ProcedureRequest, rid).status == "incomplete"
    mail = outbox(app)[-1]
    assert mail["Subject"] == "Demande n° 2026-000001 : à compléter"
    assert "code postal" not in mail.get_content()  # the message is read on the portal
    logout(client)

    login_as(world["parent"])
    page = client.get(f"/demandes/{rid}")
    assert "Le code postal semble faux" in text_of(page) and "Compléter la demande" in text_of(page)
    post_step(client, rid, "adresse", {"address": "3 rue des Lilas", "postcode": "49100", "city": "Angers"},
              query_string={"retour": "recapitulatif"})
    assert submit(client, rid).status_code == 302
    db.session.expire_all()
    req = db.session.get(ProcedureRequest, rid)
    assert (req.status, req.number) == ("submitted", "2026-000001")  # the same number
    logout(client)

    login_as(world["agent"])
    agent_post(client, rid, "accepter")
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).postcode == "49100"
    statuses = [e.status_to for e in db.session.get(ProcedureRequest, rid).events if e.kind == "status"]
    assert statuses == ["submitted", "in_progress", "incomplete", "submitted", "accepted"]


def test_refuse_needs_a_reason_the_family_reads(client, login_as, world, app):
    rid = sent_request(client, login_as, world)
    login_as(world["agent"])
    assert "Écrivez le motif du refus" in text_of(agent_post(client, rid, "refuser", **{"refuser-message": ""}))
    agent_post(client, rid, "refuser", **{"refuser-message": "Adresse hors de la commune."})
    db.session.expire_all()
    assert db.session.get(ProcedureRequest, rid).status == "refused"
    assert db.session.get(Family, world["family"].id).address == "1 rue de l'École"
    assert "Adresse hors de la commune" not in outbox(app)[-1].get_content()
    again = agent_post(client, rid, "accepter")  # a decided request never moves again (same answer as the UI)
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcedureRequest, rid).status == "refused"
    logout(client)
    login_as(world["parent"])
    assert "Adresse hors de la commune." in text_of(client.get(f"/demandes/{rid}"))


def test_a_message_of_10000_characters_is_refused(client, login_as, world):
    rid = sent_request(client, login_as, world)
    login_as(world["agent"])
    answer = agent_post(client, rid, "refuser", **{"refuser-message": "x" * 10000})
    assert "2 000 caractères" in text_of(answer)
    assert db.session.get(ProcedureRequest, rid).status == "submitted"


def test_an_immediate_demarche_is_accepted_and_applied_at_once(client, login_as, world, app):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["phones"]).location)
    post_step(client, rid, "telephones", {"phone": "07 81 23 45 67", "email": "camille@example.org"})
    submit(client, rid)
    db.session.expire_all()
    req = db.session.get(ProcedureRequest, rid)
    assert (req.status, req.number) == ("accepted", "2026-000001")
    person = db.session.get(Person, world["parent"].person_id)
    assert (person.phone, person.email) == ("07 81 23 45 67", "camille@example.org")
    assert "déjà enregistrée" in outbox(app)[-1].get_content()
    assert [e.status_to for e in req.events] == ["submitted", "accepted"]


def test_two_guardians_at_once_never_overwrite_each_other(client, login_as, world, app):
    login_as(world["parent"])
    first = address_request(client, world["type"], address="3 rue des Lilas")
    logout(client)
    other = app.test_client()  # the second guardian, on their own phone
    page = other.get("/connexion")
    other.post("/connexion", data={"email": "julien@example.org", "password": PASSWORD,
                                   "csrf_token": csrf_from(page.text)})
    second = address_request(other, world["type"], address="5 avenue des Roses")
    # each guardian has their own draft about themselves; the commune applies this démarche at once
    world["type"].applies_immediately = True
    db.session.commit()
    login_as(world["parent"])
    submit(client, first)
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).address == "3 rue des Lilas"
    answer = submit(other, second)
    assert answer.status_code == 200 and "Le dossier a changé depuis la demande" in text_of(answer)
    assert "3 rue des Lilas" in text_of(answer)
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).address == "3 rue des Lilas"  # not overwritten
    assert db.session.get(ProcedureRequest, second).status == "draft"
    assert submit(other, second).status_code == 302  # checked, sent again: now it applies
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).address == "5 avenue des Roses"


def test_a_file_changed_before_the_agent_accepts_is_not_overwritten(client, login_as, world):
    rid = sent_request(client, login_as, world)
    family = db.session.get(Family, world["family"].id)
    families.update_family_fields(family, {"address": "8 rue du Port"}, NOW, actor_id=world["agent"].id)
    db.session.commit()
    login_as(world["agent"])
    page = client.get(f"/gestion/demandes/{rid}")
    assert "Le dossier a changé depuis le début de cette demande" in text_of(page)
    answer = agent_post(client, rid, "accepter")
    assert answer.status_code == 200 and "Le dossier a changé depuis la demande : Adresse" in text_of(answer)
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).address == "8 rue du Port"
    assert db.session.get(ProcedureRequest, rid).status == "submitted"


def test_a_demarche_applies_all_its_changes_or_none(client, login_as, world, monkeypatch):
    rid = sent_request(client, login_as, world)
    original = families.update_person_fields

    def fails(*args, **kwargs):  # the second part (the guardian's phones) fails after the address was written
        raise record.ApplyError("person_gone")

    monkeypatch.setattr(families, "update_person_fields", fails)
    login_as(world["agent"])
    answer = agent_post(client, rid, "accepter")
    assert "n'est plus dans le dossier" in text_of(answer)
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).address == "1 rue de l'École"
    assert db.session.get(ProcedureRequest, rid).status == "submitted"
    monkeypatch.setattr(families, "update_person_fields", original)


def test_two_writers_of_the_same_family_row_cannot_both_win(app, world):
    """The version column: a second session that read the row before the first committed fails instead of
    silently overwriting."""
    from sqlalchemy.orm import Session

    with Session(db.engine) as one, Session(db.engine) as two:
        a, b = one.get(Family, world["family"].id), two.get(Family, world["family"].id)
        a.address = "From one"
        one.commit()
        b.address = "From two"
        with pytest.raises(StaleDataError):
            two.commit()
    db.session.expire_all()
    assert db.session.get(Family, world["family"].id).address == "From one"


def test_the_queue_filters_and_counts(client, login_as, world):
    rid = sent_request(client, login_as, world)
    login_as(world["agent"])
    assert "Déposée : 1" in text_of(client.get("/gestion/demandes"))
    assert "2026-000001" not in text_of(client.get("/gestion/demandes?statut=accepted"))
    assert "2026-000001" in text_of(client.get(f"/gestion/demandes?demarche={world['type'].id}&du=23/11/2026"))
    assert "2026-000001" not in text_of(client.get("/gestion/demandes?du=24/11/2026"))
    bad = client.get("/gestion/demandes?du=30/02/2026&statut=nimporte")
    assert bad.status_code == 200 and title_of(bad).startswith("Erreur : ")
    assert "Saisissez une date valide" in text_of(bad)
    fragment = client.get("/gestion/demandes?statut=submitted", headers={"HX-Request": "true"})
    assert "<h1>" not in fragment.text and "2026-000001" in fragment.text
    assert client.get(f"/gestion/demandes/{rid + 100}").status_code == 404


def test_drafts_are_not_shown_to_agents(client, login_as, world):
    login_as(world["parent"])
    rid = address_request(client, world["type"])
    logout(client)
    login_as(world["agent"])
    assert client.get(f"/gestion/demandes/{rid}").status_code == 404
    assert "Brouillon" not in text_of(client.get("/gestion/demandes"))


def test_numbers_are_per_year_and_given_at_submission_only(app, world):
    assert service.next_number(2026) == "2026-000001"
    assert service.next_number(2026) == "2026-000002"
    assert service.next_number(2027) == "2027-000001"
    db.session.rollback()  # a submission that fails gives its number back
    assert service.next_number(2026) == "2026-000001"
    db.session.commit()
    assert db.session.get(ProcedureCounter, 2026).last == 1


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_numbers_have_no_gap_under_concurrency(app, world):
    """Eight submissions at once on PostgreSQL (threads, each its own transaction): eight different numbers, 1 to
    8, even with one of them rolled back after taking its number."""
    numbers, errors, barrier = [], [], threading.Barrier(8)

    def submit_one(n: int):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                number = service.next_number(2031)
                if n == 3:
                    db.session.rollback()  # this one fails: its number goes back
                    number = service.next_number(2031)
                db.session.commit()
                numbers.append(number)
            except Exception as error:  # pragma: no cover - shown by the assertion
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit_one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(numbers) == [rules.format_number(2031, n) for n in range(1, 9)]
    assert not rules.has_gaps(numbers)


def test_a_request_to_complete_is_on_mon_accueil(client, login_as, world):
    rid = sent_request(client, login_as, world)
    login_as(world["agent"])
    agent_post(client, rid, "completer", **{"completer-message": "Il manque le numéro de rue."})
    logout(client)
    login_as(world["parent"])
    page = text_of(client.get("/mon-accueil"))
    assert "À faire" in page and "Compléter la demande n° 2026-000001" in page
