"""Every démarche of the registry through the test client, from the family's answers to the file an agent's
acceptance updates: situation familiale, contacts (new and existing), health and PAI (with its document),
authorisations, allocataire (CAF/MSA numbers), inscription à une activité, and the inscription administrative with
its two documents."""

from __future__ import annotations

import io
import re

import pytest
from absences_world import tiny_pdf, tiny_png
from procedures_world import NOW, logout, offer, post_step, request_id_from, start, submit
from support import csrf_from, enroll, text_of, title_of

from blueprints.families import health
from models import Authorisation, ChildHealth, Document, Enrollment, Family, Person, ProcedureRequest, db


@pytest.fixture
def world(app, make_family, make_agent, make_activity):
    app.config["CLOCK"] = lambda: NOW
    family, parent, kids = make_family("Martin", children=("Léa", "Hugo"))
    contact = Person(family_id=family.id, role="contact", first_name="Monique", last_name="Martin",
                     relationship_label="grand-mère", phone="06 39 98 00 01", can_pick_up=True)
    db.session.add(contact)
    db.session.commit()
    return {"family": family, "parent": parent, "kids": kids, "contact": contact, "agent": make_agent(),
            "activity": make_activity()}


def accept(client, login_as, world, rid):
    logout(client)
    login_as(world["agent"])
    page = client.get(f"/gestion/demandes/{rid}")
    answer = client.post(f"/gestion/demandes/{rid}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 302, text_of(answer)
    db.session.expire_all()
    assert db.session.get(ProcedureRequest, rid).status == "accepted"
    return page


def begin(client, login_as, world, kind, pour=None):
    kind_type = offer(kind)
    login_as(world["parent"])
    answer = start(client, kind_type, pour)
    assert answer.status_code == 302, text_of(answer)
    return request_id_from(answer.location)


def test_situation_familiale(client, login_as, world):
    rid = begin(client, login_as, world, "situation_familiale")
    assert post_step(client, rid, "situation", {"situation": "divorced"}).status_code == 302
    assert post_step(client, rid, "identite", {"civility": "Mme", "last_name": "Le Gall-Œuvray",
                                               "birth_name": "Martin"}).status_code == 302
    half = post_step(client, rid, "adresse_perso", {"address": "4 impasse du Moulin"})
    assert "Saisissez la commune." in text_of(half)  # all three parts, or none
    assert post_step(client, rid, "adresse_perso", {"address": "4 impasse du Moulin", "postcode": "49100",
                                                    "city": "Angers"}).status_code == 302
    submit(client, rid)
    accept(client, login_as, world, rid)
    guardian = db.session.get(Person, world["parent"].person_id)
    assert (guardian.last_name, guardian.birth_name, guardian.civility, guardian.city) == (
        "Le Gall-Œuvray", "Martin", "Mme", "Angers")
    assert db.session.get(Family, world["family"].id).situation == "divorced"


def test_a_forged_choice_is_refused_in_french(client, login_as, world):
    rid = begin(client, login_as, world, "situation_familiale")
    answer = post_step(client, rid, "situation", {"situation": "polygamie"})
    assert "Choisissez une valeur de la liste." in text_of(answer)


def test_a_new_contact(client, login_as, world):
    rid = begin(client, login_as, world, "contact", pour="nouveau")
    post_step(client, rid, "identite", {"first_name": "Zoé", "last_name": "N'Diaye", "relationship_label": "voisine"})
    post_step(client, rid, "telephones", {"phone": "02 41 12 34 56"})
    none = post_step(client, rid, "role", {})
    assert "Cochez au moins une case" in text_of(none)
    post_step(client, rid, "role", {"can_pick_up": "y"})
    submit(client, rid)
    accept(client, login_as, world, rid)
    added = db.session.execute(db.select(Person).where(Person.first_name == "Zoé")).scalar_one()
    assert (added.role, added.family_id, added.phone, added.can_pick_up, added.emergency_contact) == (
        "contact", world["family"].id, "02 41 12 34 56", True, False)
    assert db.session.get(ProcedureRequest, rid).person_id == added.id


def test_an_existing_contact(client, login_as, world):
    rid = begin(client, login_as, world, "contact", pour=world["contact"].id)
    page = client.get(f"/demandes/{rid}/etapes/identite")
    assert 'value="Monique"' in page.text  # starts from the file
    post_step(client, rid, "identite", {"first_name": "Monique", "last_name": "Martin",
                                        "relationship_label": "grand-mère"})
    post_step(client, rid, "telephones", {"phone": "06 39 98 00 01", "other_phone": "+33 2 41 00 00 00"})
    post_step(client, rid, "role", {"can_pick_up": "y", "emergency_contact": "y"})
    submit(client, rid)
    accept(client, login_as, world, rid)
    contact = db.session.get(Person, world["contact"].id)
    assert (contact.other_phone, contact.emergency_contact) == ("02 41 00 00 00", True)


def test_health_and_pai_with_its_document(client, login_as, world):
    lea = world["kids"][0]
    rid = begin(client, login_as, world, "sante", pour=lea.id)
    future = post_step(client, rid, "medecin", {"vaccinations_up_to_date": "oui", "vaccinations_date": "30/12/2026"})
    assert "dans le futur" in text_of(future)
    wrong = post_step(client, rid, "medecin", {"vaccinations_up_to_date": "oui", "vaccinations_date": "30/02/2026"})
    assert "Saisissez une date valide" in text_of(wrong)
    post_step(client, rid, "medecin", {"doctor_name": "Dr Lefèvre", "doctor_phone": "02 41 12 34 56",
                                       "vaccinations_up_to_date": "oui", "vaccinations_date": "14/09/2026"})
    page = client.get(f"/demandes/{rid}/etapes/alimentation")
    assert "Sans porc" in text_of(page) and "halal" not in page.text.lower()
    post_step(client, rid, "alimentation", {"allergies": "Arachides", "diet": "Panier repas (PAI)"})
    bad_file = post_step(client, rid, "pai", {"pai": "oui", "pai_end_date": "04/07/2027",
                                              "pai_file": (io.BytesIO(b"MZ not a pdf"), "pai.exe")},
                         content_type="multipart/form-data")
    assert "n'est pas un PDF" in text_of(bad_file)
    assert db.session.execute(db.select(Document)).first() is None  # nothing half-saved
    post_step(client, rid, "pai", {"pai": "oui", "pai_end_date": "04/07/2027", "notes": "Stylo d'adrénaline",
                                   "pai_file": (io.BytesIO(tiny_pdf()), "PAI Léa.pdf")},
              content_type="multipart/form-data")
    submit(client, rid)
    health.grant(world["agent"], True)  # a health démarche is accepted by an agent allowed to read it
    db.session.commit()
    accept(client, login_as, world, rid)
    record = db.session.execute(db.select(ChildHealth).where(ChildHealth.child_id == lea.id)).scalar_one()
    assert (record.allergies, record.diet, record.pai, record.notes) == ("Arachides", "Panier repas (PAI)", True,
                                                                         "Stylo d'adrénaline")
    document = db.session.get(Document, record.pai_document_id)
    assert (document.family_id, document.child_id, document.kind) == (world["family"].id, lea.id, "pai")
    logout(client)
    login_as(world["parent"])
    assert "Arachides" in text_of(client.get("/ma-famille"))  # parents always see their children's health data


def test_authorisations_with_the_day_they_were_given(client, login_as, world):
    hugo = world["kids"][1]
    rid = begin(client, login_as, world, "autorisations", pour=hugo.id)
    missing = post_step(client, rid, "autorisations", {"photo": "oui"})
    assert "Répondez oui ou non pour rentrer seul." in text_of(missing)
    post_step(client, rid, "autorisations", {"photo": "non", "leave_alone": "non", "transport": "oui",
                                             "emergency_care": "oui"})
    submit(client, rid)
    accept(client, login_as, world, rid)
    given = {a.kind: (a.granted, a.given_on) for a in db.session.execute(
        db.select(Authorisation).where(Authorisation.child_id == hugo.id)).scalars()}
    assert given == {"photo": (False, NOW.date()), "leave_alone": (False, NOW.date()),
                     "transport": (True, NOW.date()), "emergency_care": (True, NOW.date())}


def test_a_child_demarche_asks_which_child(client, login_as, world):
    kind_type = offer("autorisations")
    login_as(world["parent"])
    page = client.get(f"/demarches/{kind_type.code}")
    assert "Pour quel enfant ?" in text_of(page)
    answer = client.post(f"/demarches/{kind_type.code}", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 200 and title_of(answer).startswith("Erreur : ")
    assert "Choisissez la personne concernée" in text_of(answer)


@pytest.mark.parametrize("regime, number, message", [
    ("CAF", "123456", "7 chiffres"), ("MSA", "12AB", "ne contient que des chiffres"),
    ("", "1234567", "Choisissez votre caisse"), ("CAF", "", "Saisissez votre numéro d'allocataire"),
])
def test_allocataire_numbers_of_the_wrong_shape(client, login_as, world, regime, number, message):
    rid = begin(client, login_as, world, "allocataire")
    answer = post_step(client, rid, "caisse", {"allocataire_regime": regime, "allocataire_number": number})
    assert answer.status_code == 200 and message in text_of(answer)


def test_allocataire_with_its_attestation(client, login_as, world):
    rid = begin(client, login_as, world, "allocataire")
    post_step(client, rid, "caisse", {"allocataire_regime": "CAF", "allocataire_number": "123 45 67"})
    no_date = post_step(client, rid, "quotient", {"quotient_familial": "850"})
    assert "Saisissez la date de début du quotient familial." in text_of(no_date)
    huge = post_step(client, rid, "quotient", {"quotient_familial": "99999999999"})
    assert "nombre entier" in text_of(huge)
    post_step(client, rid, "quotient", {"quotient_familial": "850", "qf_start_date": "01/01/2026", "qf_source": "CAF"})
    refused = submit(client, rid)
    assert "Il manque une pièce justificative" in text_of(refused)
    post_step(client, rid, "pieces", {"doc_0": (io.BytesIO(tiny_png()), "attestation.png")},
              content_type="multipart/form-data")
    assert submit(client, rid).status_code == 302
    page = accept(client, login_as, world, rid)
    assert "attestation.png" in text_of(page)
    family = db.session.get(Family, world["family"].id)
    assert (family.allocataire_regime, family.allocataire_number, family.quotient_familial, family.qf_source,
            str(family.qf_start_date)) == ("CAF", "1234567", 850, "CAF", "2026-01-01")


def test_inscription_a_une_activite(client, login_as, world):
    lea = world["kids"][0]
    _activity, _unit, period = world["activity"]
    rid = begin(client, login_as, world, "inscription_activite", pour=lea.id)
    page = client.get(f"/demandes/{rid}/etapes/activite")
    assert period.name in text_of(page)
    post_step(client, rid, "activite", {"period_id": str(period.id)})
    submit(client, rid)
    accept(client, login_as, world, rid)
    assert db.session.execute(db.select(Enrollment).where(Enrollment.child_id == lea.id)).scalar_one().period_id \
        == period.id


def test_inscription_to_an_activity_already_taken_is_not_applied(client, login_as, world):
    lea = world["kids"][0]
    activity, _unit, period = world["activity"]
    rid = begin(client, login_as, world, "inscription_activite", pour=lea.id)
    post_step(client, rid, "activite", {"period_id": str(period.id)})
    submit(client, rid)
    enroll(db.session.get(Person, lea.id), activity, period)  # an agent enrolled her meanwhile
    logout(client)
    login_as(world["agent"])
    page = client.get(f"/gestion/demandes/{rid}")
    answer = client.post(f"/gestion/demandes/{rid}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 200 and "déjà inscrit" in text_of(answer)
    assert db.session.get(ProcedureRequest, rid).status == "submitted"


def test_inscription_administrative_with_two_documents(client, login_as, world):
    rid = begin(client, login_as, world, "inscription_administrative")
    first = client.get(f"/demandes/{rid}/etapes/coordonnees")
    assert "1 rue de l'École" in text_of(first) and "C'est à jour, continuer" in text_of(first)
    for step in ("coordonnees", "enfants", "contacts", "sante", "autorisations", "allocataire"):
        answer = post_step(client, rid, step, {})
        assert answer.status_code == 302, (step, text_of(answer))
    assert answer.location.endswith(f"/demandes/{rid}/etapes/pieces")
    one = post_step(client, rid, "pieces", {"doc_0": (io.BytesIO(tiny_pdf()), "domicile.pdf")},
                    content_type="multipart/form-data")
    assert one.status_code == 200 and "Joignez le document : Attestation d'assurance" in text_of(one)
    assert db.session.execute(db.select(Document)).first() is None  # nothing half-saved
    both = post_step(client, rid, "pieces", {"doc_0": (io.BytesIO(tiny_pdf()), "domicile.pdf"),
                                             "doc_1": (io.BytesIO(tiny_png()), "assurance.png")},
                     content_type="multipart/form-data")
    assert both.location.endswith(f"/demandes/{rid}/recapitulatif")
    recap = client.get(both.location)
    assert "domicile.pdf" in text_of(recap) and "assurance.png" in text_of(recap)
    submit(client, rid)
    accept(client, login_as, world, rid)
    assert db.session.get(Family, world["family"].id).registered_year == "2026-2027"
    logout(client)
    login_as(world["parent"])
    assert "Inscription administrative 2026-2027 : faite." in text_of(client.get("/ma-famille"))


def test_diets_are_never_religious(app):
    assert health.add_diet("Halal") == "religious"
    assert health.add_diet("Sans gluten") is None
    assert health.add_diet("sans GLUTEN") == "exists"
    assert "Sans gluten" in health.diet_labels() and "Sans porc" in health.diet_labels()


def test_step_pages_have_one_h1_and_labelled_fields(client, login_as, world):
    rid = begin(client, login_as, world, "sante", pour=world["kids"][0].id)
    for step in ("medecin", "alimentation", "pai"):
        page = client.get(f"/demandes/{rid}/etapes/{step}").text
        assert page.count("<h1") == 1
        for field_id in re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', page):
            if field_id != "csrf_token":
                assert f'for="{field_id}"' in page, (step, field_id)
