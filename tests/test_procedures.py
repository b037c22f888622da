"""A démarche end to end with the test client: changement de coordonnées (start, steps, recap, attestation, number,
receipt), the agent's queue and decision, the family file updated; drafts that survive, replays, forged and bad
input, other families' requests (404), agents' pages (403), CSRF."""

from __future__ import annotations

import pytest
from procedures_world import NOW, address_request, logout, offer, post_step, request_id_from, start, submit
from support import csrf_from, outbox, text_of, title_of

from models import Family, FamilyChange, ProcedureCounter, ProcedureRequest, db


@pytest.fixture
def world(app, make_family, make_agent):
    app.config["CLOCK"] = lambda: NOW
    coordonnees = offer("coordonnees")
    family, parent, kids = make_family("Martin")
    other, other_parent, _kids = make_family("Bernard")
    return {"type": coordonnees, "family": family, "parent": parent, "other": other, "other_parent": other_parent,
            "agent": make_agent()}


def test_address_change_from_start_to_accepted(client, login_as, world, app):
    login_as(world["parent"])
    page = client.get("/ma-famille")
    assert "Changer d'adresse ou de coordonnées" in text_of(page)
    rid = address_request(client, world["type"])
    recap = client.get(f"/demandes/{rid}/recapitulatif")
    assert "Le récapitulatif" in title_of(recap)
    assert "3 rue des Lilas" in text_of(recap) and "Actuellement : 1 rue de l'École" in text_of(recap)
    assert f'/demandes/{rid}/etapes/adresse?retour=recapitulatif' in recap.text  # "Modifier" per answer
    done = submit(client, rid)
    assert done.status_code == 302 and done.location.endswith(f"/demandes/{rid}/confirmation")
    confirmation = client.get(done.location)
    assert "Demande n° 2026-000001" in text_of(confirmation)
    receipt = outbox(app)[-1]
    assert receipt["Subject"] == "Demande n° 2026-000001 déposée"
    body = receipt.get_content()
    assert f"/demandes/{rid}" in body and "Lilas" not in body and "Angers" not in body  # a link, no personal data
    assert db.session.get(Family, world["family"].id).address == "1 rue de l'École"  # waits for an agent

    logout(client)
    login_as(world["agent"])
    queue = client.get("/gestion/demandes")
    assert "2026-000001" in text_of(queue) and "Déposée : 1" in text_of(queue)
    page = client.get(f"/gestion/demandes/{rid}")
    assert "Dans le dossier aujourd'hui" in text_of(page) and "3 rue des Lilas" in text_of(page)
    answer = client.post(f"/gestion/demandes/{rid}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 302
    db.session.expire_all()
    family = db.session.get(Family, world["family"].id)
    assert (family.address, family.postcode, family.city) == ("3 rue des Lilas", "49000", "Angers")
    assert family.version > 1
    assert db.session.get(ProcedureRequest, rid).status == "accepted"
    assert db.session.execute(db.select(FamilyChange).where(FamilyChange.family_id == family.id)).scalars().all()
    update = outbox(app)[-1]
    assert update["Subject"] == "Demande n° 2026-000001 : acceptée" and "Lilas" not in update.get_content()

    logout(client)
    login_as(world["parent"])
    assert "3 rue des Lilas" in text_of(client.get("/ma-famille"))
    assert "Acceptée" in text_of(client.get(f"/demandes/{rid}"))
    assert "2026-000001" in text_of(client.get("/mon-accueil"))  # Dernières demandes


def test_a_draft_survives_the_session_and_is_resumed(client, login_as, world):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    post_step(client, rid, "adresse", {"address": "3 rue des Lilas", "postcode": "49000", "city": "Angers"})
    logout(client)
    login_as(world["parent"])
    listed = client.get("/demandes")
    assert "Brouillon" in text_of(listed)
    again = start(client, world["type"])  # one draft per démarche: the same one, at its first unanswered step
    assert again.location.endswith(f"/demandes/{rid}/etapes/telephones")
    assert 'value="3 rue des Lilas"' in client.get(f"/demandes/{rid}/etapes/adresse").text


def test_a_draft_can_be_deleted_and_a_sent_request_cannot(client, login_as, world):
    login_as(world["parent"])
    rid = address_request(client, world["type"])
    page = client.get(f"/demandes/{rid}/supprimer")
    assert client.post(f"/demandes/{rid}/supprimer", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert db.session.get(ProcedureRequest, rid) is None
    rid = address_request(client, world["type"])
    submit(client, rid)
    page = client.get(f"/demandes/{rid}")
    answer = client.post(f"/demandes/{rid}/supprimer", data={"csrf_token": csrf_from(page.text)},
                         follow_redirects=True)
    assert "ne peut plus être supprimée" in text_of(answer)
    assert db.session.get(ProcedureRequest, rid) is not None


def test_a_replayed_submission_sends_nothing_twice(client, login_as, world, app):
    login_as(world["parent"])
    rid = address_request(client, world["type"])
    page = client.get(f"/demandes/{rid}/recapitulatif")
    data = {"csrf_token": csrf_from(page.text), "attest": "y"}
    assert client.post(f"/demandes/{rid}/recapitulatif", data=data).status_code == 302
    replay = client.post(f"/demandes/{rid}/recapitulatif", data=data, follow_redirects=True)
    assert "déjà été envoyée" in text_of(replay)
    assert db.session.get(ProcedureCounter, 2026).last == 1
    assert len([m for m in outbox(app) if "déposée" in m["Subject"]]) == 1
    # a step posted after the submission changes nothing either
    late = client.post(f"/demandes/{rid}/etapes/adresse", data={"csrf_token": data["csrf_token"],
                                                                "address": "9 rue X", "postcode": "49000",
                                                                "city": "Angers"})
    assert late.status_code == 302 and late.location.endswith(f"/demandes/{rid}")
    assert db.session.get(ProcedureRequest, rid).answers["adresse"]["address"] == "3 rue des Lilas"


def test_the_attestation_is_required(client, login_as, world):
    login_as(world["parent"])
    rid = address_request(client, world["type"])
    answer = submit(client, rid, attest=False)
    assert answer.status_code == 200 and title_of(answer).startswith("Erreur : ")
    assert "Cochez la case pour attester" in text_of(answer)
    assert db.session.get(ProcedureRequest, rid).status == "draft"


@pytest.mark.parametrize("data, field, message", [
    ({"address": "", "postcode": "49000", "city": "Angers"}, "address", "Saisissez le numéro et la rue."),
    ({"address": "3 rue", "postcode": "4900", "city": "Angers"}, "postcode", "Un code postal a 5 chiffres"),
    ({"address": "x" * 10000, "postcode": "49000", "city": "Angers"}, "address", "au plus 200 caractères"),
    ({"address": "3 rue", "postcode": "49000", "city": "   "}, "city", "Saisissez la commune."),
])
def test_bad_address_is_said_next_to_the_field_and_nothing_is_saved(client, login_as, world, data, field, message):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    answer = post_step(client, rid, "adresse", data)
    assert answer.status_code == 200 and title_of(answer).startswith("Erreur : ")
    assert f'id="{field}-error"' in answer.text and message in text_of(answer)
    assert f'href="#{field}"' in answer.text  # the error summary links to the field
    assert "adresse" not in db.session.get(ProcedureRequest, rid).answers


@pytest.mark.parametrize("typed, stored", [("0612345678", "06 12 34 56 78"), ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
                                           ("06.12.34.56.78", "06 12 34 56 78")])
def test_phone_numbers_are_stored_one_way(client, login_as, world, typed, stored):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    assert post_step(client, rid, "telephones", {"phone": typed}).status_code == 302
    assert db.session.get(ProcedureRequest, rid).answers["telephones"]["phone"] == stored


def test_a_wrong_phone_number_is_refused(client, login_as, world):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    answer = post_step(client, rid, "telephones", {"phone": "06 12 34"})
    assert "Ce numéro de téléphone n'existe pas" in text_of(answer)


def test_unicode_answers_are_kept_as_typed(client, login_as, world):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    post_step(client, rid, "adresse", {"address": "  12 rue de l'Œuvre-Saint-Gaël  ", "postcode": "49000",
                                       "city": "Saint-Barthélemy-d'Anjou"})
    answers = db.session.get(ProcedureRequest, rid).answers["adresse"]
    assert answers == {"address": "12 rue de l'Œuvre-Saint-Gaël", "postcode": "49000",
                       "city": "Saint-Barthélemy-d'Anjou"}


def test_another_familys_request_is_404_everywhere(client, login_as, world):
    login_as(world["other_parent"])
    theirs = address_request(client, world["type"])
    logout(client)
    login_as(world["parent"])
    token = csrf_from(client.get("/demarches").text)
    for url in (f"/demandes/{theirs}", f"/demandes/{theirs}/etapes/adresse", f"/demandes/{theirs}/recapitulatif",
                f"/demandes/{theirs}/confirmation", f"/demandes/{theirs}/supprimer"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/demandes/{theirs}/recapitulatif", data={"csrf_token": token, "attest": "y"}).status_code \
        == 404
    assert client.post(f"/demandes/{theirs}/supprimer", data={"csrf_token": token}).status_code == 404
    other_guardian = world["other"].guardians[0].id
    assert client.get(f"/demarches/{world['type'].code}?pour={other_guardian}").status_code == 404
    assert client.post(f"/demarches/{world['type'].code}", data={"csrf_token": token,
                                                                 "pour": other_guardian}).status_code == 404


def test_agents_pages_are_for_agents_and_family_pages_for_parents(client, login_as, world):
    login_as(world["parent"])
    for url in ("/gestion/demandes", "/gestion/demandes/1", "/gestion/demarches"):
        assert client.get(url).status_code == 403, url
    logout(client)
    login_as(world["agent"])
    for url in ("/ma-famille", "/demarches", "/demandes"):
        assert client.get(url).status_code == 403, url


def test_posts_need_the_csrf_token(client, login_as, world):
    login_as(world["parent"])
    assert client.post(f"/demarches/{world['type'].code}", data={}).status_code == 400
    rid = request_id_from(start(client, world["type"]).location)
    assert client.post(f"/demandes/{rid}/etapes/adresse", data={"address": "x", "postcode": "49000",
                                                                "city": "A"}).status_code == 400
    assert client.post(f"/demandes/{rid}/recapitulatif", data={"attest": "y"}).status_code == 400


def test_an_unknown_step_or_demarche_is_404(client, login_as, world):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    assert client.get(f"/demandes/{rid}/etapes/pieces").status_code == 404  # no document required
    assert client.get("/demarches/inconnue").status_code == 404
    world["type"].active = False
    db.session.commit()
    assert client.get(f"/demarches/{world['type'].code}").status_code == 404


def test_mes_demandes_filters_with_and_without_htmx(client, login_as, world):
    login_as(world["parent"])
    sent = address_request(client, world["type"])
    submit(client, sent)
    page = client.get("/demandes?statut=submitted")
    assert "2026-000001" in text_of(page) and "<h1>" in page.text
    fragment = client.get("/demandes?statut=draft", headers={"HX-Request": "true"})
    assert "<h1>" not in fragment.text and "2026-000001" not in text_of(fragment)
    assert 'hx-swap-oob="innerHTML"' in fragment.text  # the count said in the live region
    assert client.get("/demandes?statut=nimporte&annee=abc&demarche=x").status_code == 200


def test_a_request_that_changes_nothing_is_not_sent(client, login_as, world):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    post_step(client, rid, "adresse", {"address": "1 rue de l'École", "postcode": "45000", "city": "Démo-sur-Loire"})
    post_step(client, rid, "telephones", {"email": world["parent"].email})
    answer = submit(client, rid)
    assert answer.status_code == 200 and "Vos réponses ne changent rien au dossier" in text_of(answer)
    assert db.session.get(ProcedureRequest, rid).status == "draft"


def test_the_recap_has_a_modifier_link_per_answer(client, login_as, world):
    login_as(world["parent"])
    rid = address_request(client, world["type"])
    recap = text_of(client.get(f"/demandes/{rid}/recapitulatif"))
    for label in ("Adresse", "Code postal", "Commune", "Téléphone portable", "Adresse e-mail"):
        assert f"Modifier : {label}" in recap
