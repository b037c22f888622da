"""Health data is need-to-know: parents see their own children's; agents only with the right an administrator
gives (or `flask agent grant-health`), and each of their reads is logged (who, when, which child, where), the log
being readable by administrators only."""

from __future__ import annotations

import pytest
from procedures_world import NOW, logout, offer, post_step, request_id_from, start, submit
from support import csrf_from, text_of

from blueprints.families import health
from models import Diet, HealthAccess, ProcedureRequest, User, db


@pytest.fixture
def world(app, make_family, make_agent):
    app.config["CLOCK"] = lambda: NOW
    family, parent, kids = make_family("Martin")
    health.update_health(kids[0], {"allergies": "Arachides", "diet": "Sans porc"}, NOW, actor_id=None)
    db.session.commit()
    return {"family": family, "parent": parent, "child": kids[0], "agent": make_agent(),
            "nurse": make_agent("infirmiere@example.org"), "admin": make_agent("admin@example.org", role="admin")}


def grant(user):
    health.grant(db.session.get(User, user.id), True)
    db.session.commit()


def health_request(client, login_as, world):
    kind_type = offer("sante")
    login_as(world["parent"])
    rid = request_id_from(start(client, kind_type, world["child"].id).location)
    post_step(client, rid, "medecin", {"vaccinations_up_to_date": "non"})
    post_step(client, rid, "alimentation", {"allergies": "Arachides, kiwi", "diet": "Sans porc"})
    post_step(client, rid, "pai", {"pai": "non"})
    submit(client, rid)
    logout(client)
    return rid


def test_an_agent_without_the_right_reads_nothing_and_nothing_is_logged(client, login_as, world):
    rid = health_request(client, login_as, world)
    login_as(world["agent"])
    page = client.get(f"/gestion/demandes/{rid}")
    assert "Données de santé : accès réservé" in text_of(page) and "kiwi" not in page.text
    assert "Accepter la demande" not in text_of(page)
    forged = client.post(f"/gestion/demandes/{rid}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert forged.status_code == 403
    assert db.session.get(ProcedureRequest, rid).status == "submitted"
    family_page = client.get(f"/gestion/familles/{world['family'].id}")
    assert "Données de santé : accès réservé" in text_of(family_page) and "Arachides" not in family_page.text
    child_page = client.get(f"/gestion/familles/{world['family'].id}/enfants/{world['child'].id}/sante")
    assert child_page.status_code == 403 and "Arachides" not in child_page.text
    assert db.session.execute(db.select(HealthAccess)).first() is None


def test_an_agent_with_the_right_reads_and_each_read_is_logged(client, login_as, world):
    rid = health_request(client, login_as, world)
    grant(world["nurse"])
    login_as(world["nurse"])
    page = client.get(f"/gestion/demandes/{rid}")
    assert "kiwi" in text_of(page) and "votre lecture est enregistrée" in text_of(page)
    client.get(f"/gestion/familles/{world['family'].id}/enfants/{world['child'].id}/sante")
    rows = db.session.execute(db.select(HealthAccess).order_by(HealthAccess.id)).scalars().all()
    assert [(r.agent_id, r.child_id, r.child_name, r.at) for r in rows] == [
        (world["nurse"].id, world["child"].id, "Léa Martin", NOW)] * 2
    assert rows[0].place == "demande n° 2026-000001" and rows[1].place == "fiche santé"
    accepted = client.post(f"/gestion/demandes/{rid}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert accepted.status_code == 302
    assert health.health_of(world["child"]).allergies == "Arachides, kiwi"


def test_another_familys_child_is_404(client, login_as, world, make_family):
    grant(world["nurse"])
    other, _parent, kids = make_family("Bernard")
    login_as(world["nurse"])
    assert client.get(f"/gestion/familles/{world['family'].id}/enfants/{kids[0].id}/sante").status_code == 404


def test_the_log_is_for_administrators(client, login_as, world):
    grant(world["nurse"])
    login_as(world["nurse"])
    client.get(f"/gestion/familles/{world['family'].id}/enfants/{world['child'].id}/sante")
    assert client.get("/gestion/acces-sante").status_code == 403
    assert client.get("/gestion/agents-sante").status_code == 403
    logout(client)
    login_as(world["admin"])
    log = client.get("/gestion/acces-sante")
    assert "Léa Martin" in text_of(log) and "fiche santé" in text_of(log)
    assert "Léa Martin" not in text_of(client.get(f"/gestion/acces-sante?agent={world['agent'].id}"))
    assert "Léa Martin" in text_of(client.get("/gestion/acces-sante?enfant=léa"))
    assert "Léa Martin" not in text_of(client.get("/gestion/acces-sante?du=24/11/2026"))
    assert "Saisissez une date valide" in text_of(client.get("/gestion/acces-sante?du=31/02/2026"))


def test_an_administrator_gives_and_takes_back_the_right(client, login_as, world):
    login_as(world["admin"])
    page = client.get("/gestion/agents-sante")
    token = csrf_from(page.text)
    no_token = client.post("/gestion/agents-sante", data={"agent": world["agent"].id, "droit": "oui"})
    assert no_token.status_code == 400
    client.post("/gestion/agents-sante", data={"csrf_token": token, "agent": world["agent"].id, "droit": "oui"})
    db.session.expire_all()
    assert db.session.get(User, world["agent"].id).can_see_health is True
    client.post("/gestion/agents-sante", data={"csrf_token": token, "agent": world["agent"].id, "droit": "non"})
    db.session.expire_all()
    assert db.session.get(User, world["agent"].id).can_see_health is False
    assert client.post("/gestion/agents-sante", data={"csrf_token": token, "agent": world["parent"].id,
                                                      "droit": "oui"}).status_code == 404  # never a parent


def test_the_command_line_gives_the_right(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["agent", "grant-health", "Infirmiere@example.org"])
    assert result.exit_code == 0, result.output
    assert db.session.get(User, world["nurse"].id).can_see_health is True
    result = runner.invoke(args=["agent", "grant-health", "--revoke", "infirmiere@example.org"])
    db.session.expire_all()
    assert db.session.get(User, world["nurse"].id).can_see_health is False
    assert runner.invoke(args=["agent", "grant-health", world["parent"].email]).exit_code != 0


def test_parents_always_see_their_childrens_health(client, login_as, world):
    login_as(world["parent"])
    assert "Arachides" in text_of(client.get("/ma-famille"))


def test_agents_keep_the_list_of_diets(client, login_as, world):
    login_as(world["agent"])
    page = client.get("/gestion/regimes")
    assert "Sans porc" in text_of(page)
    token = csrf_from(page.text)
    refused = client.post("/gestion/regimes", data={"csrf_token": token, "label": "Repas halal"})
    assert refused.status_code == 200 and "jamais une religion" in text_of(refused)
    client.post("/gestion/regimes", data={"csrf_token": token, "label": "Sans gluten"})
    assert "Sans gluten" in health.diet_labels()
    diet = db.session.execute(db.select(Diet).where(Diet.label == "Sans porc")).scalar_one()
    client.post(f"/gestion/regimes/{diet.id}", data={"csrf_token": token})
    assert "Sans porc" not in health.diet_labels()
    assert client.post(f"/gestion/regimes/{diet.id}", data={}).status_code == 400


def test_two_saves_of_the_same_file_at_once_are_told_not_overwritten(client, login_as, world, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from blueprints.families import service as families

    def written_meanwhile(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'family' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(families, "update_family", written_meanwhile)
    login_as(world["agent"])
    page = client.get(f"/gestion/familles/{world['family'].id}/modifier")
    answer = client.post(f"/gestion/familles/{world['family'].id}/modifier", data={
        "csrf_token": csrf_from(page.text), "name": "Martin", "address": "2 rue", "postcode": "49000", "city": "A"})
    assert answer.status_code == 409 and "rien n'a été enregistré" in text_of(answer)


def test_a_pai_document_is_health_data_for_agents(app, client, login_as, world):
    """A PAI sent with a démarche is served to agents with the right only (the same 404 as a missing document
    for the others), and each of their reads is in the access log; the family still downloads its own."""
    from blueprints import uploads
    from models import Document, DocumentFile

    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    stored = uploads.store(content, "application/pdf")
    document = Document(family_id=world["family"].id, child_id=world["child"].id, kind="pai", uploaded_at=NOW,
                        files=[DocumentFile(position=1, original_name="pai.pdf", stored_name=stored,
                                            content_type="application/pdf", size=len(content))])
    db.session.add(document)
    db.session.commit()
    url = f"/documents/{document.id}"
    login_as(world["agent"])
    assert client.get(url).status_code == 404
    logout(client)
    grant(world["nurse"])
    login_as(world["nurse"])
    assert client.get(url).status_code == 200
    (read,) = db.session.execute(db.select(HealthAccess)).scalars().all()
    assert (read.agent_id, read.child_id) == (world["nurse"].id, world["child"].id)
    logout(client)
    login_as(world["parent"])
    assert client.get(url).status_code == 200
    assert len(db.session.execute(db.select(HealthAccess)).scalars().all()) == 1  # parents' reads are not logged
