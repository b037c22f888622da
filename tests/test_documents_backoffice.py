"""Pièces à valider (back office): the queue oldest first with its filters, a document's review (pages shown to
agents, reads logged), validating with corrected dates, refusing with a required reason (the family e-mailed a link
and nothing else), decisions recorded and not taken twice, the types agents edit; and the service API other domains
call (valid documents, missing types, storing, marking used)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from documents_world import NOW, TODAY, build_world, login, tiny_jpeg, tiny_pdf, upload, uploaded_files
from sqlalchemy import select
from support import csrf_from, links, main_of, outbox, text_of, title_of
from test_documents import add

from blueprints import uploads
from blueprints.documents import service as documents
from models import Document, DocumentType, db

D = dt.date


@pytest.fixture
def world(app, make_family):
    return build_world(app, make_family)


@pytest.fixture
def agent(world, make_agent):
    user = make_agent()
    client = world.app.test_client()
    login(client, user)
    client.user = user
    return client


def post(agent, doc_id: int, action: str, **data):
    page = agent.get(f"/gestion/pieces/{doc_id}")
    return agent.post(f"/gestion/pieces/{doc_id}/{action}", data={"csrf_token": csrf_from(page.text), **data})


# --------------------------------------------------------------------------- the queue


def test_the_queue_lists_documents_awaiting_validation_oldest_first(world, agent):
    newer = add(world, "rib", uploaded=NOW - dt.timedelta(hours=1))
    older = add(world, "pai", child=world.chloe, family=world.bernard, uploaded=NOW - dt.timedelta(days=2))
    add(world, "justificatif_domicile", status="validated", valid_until=D(2027, 1, 31))

    assert "2 pièces justificatives attendent une décision." in text_of(agent.get("/gestion/"))
    assert links(agent.get("/gestion/"))["Pièces à valider"] == "/gestion/pieces"
    page = agent.get("/gestion/pieces")
    listing = text_of(main_of(page)).split("Afficher", 1)[1]
    assert "2 pièces, la plus ancienne en premier." in listing
    assert listing.index("PAI (projet d'accueil individualisé) de Chloé") < listing.index("RIB")
    assert "Justificatif de domicile" not in listing
    assert links(page)["Examiner PAI (projet d'accueil individualisé) de Chloé, famille Bernard"] == \
        f"/gestion/pieces/{older.id}"
    assert f"/gestion/pieces/{newer.id}" in page.text


@pytest.mark.parametrize("state, expected, absent", [
    ("expire_bientot", ["Justificatif de domicile"], ["RIB", "Attestation CAF"]),
    ("expiree", ["Attestation CAF"], ["RIB", "Justificatif de domicile"]),
    ("validee", ["Justificatif de domicile", "Attestation CAF", "Avis d'imposition"], ["RIB", "PAI"]),
    ("refusee", ["PAI"], ["RIB", "Justificatif de domicile"]),
    ("toutes", ["RIB", "PAI", "Justificatif de domicile", "Attestation CAF", "Avis d'imposition"], []),
    ("n_importe_quoi", ["RIB"], ["PAI", "Justificatif de domicile"]),  # unknown: the default list
])
def test_the_queue_filters_by_state(world, agent, state, expected, absent):
    add(world, "rib")
    add(world, "pai", status="refused", child=world.lea, reason="Illisible")
    add(world, "justificatif_domicile", status="validated", valid_until=D(2026, 12, 10))
    add(world, "attestation_caf_msa", status="validated", valid_until=D(2026, 11, 1))
    add(world, "avis_imposition", status="validated", valid_until=D(2027, 10, 1))
    listing = text_of(main_of(agent.get(f"/gestion/pieces?etat={state}"))).split("Afficher", 1)[1]
    for label in expected:
        assert label in listing, label
    for label in absent:
        assert label not in listing, label


def test_the_queue_filters_by_type(world, agent):
    add(world, "rib")
    add(world, "pai", child=world.lea)
    rib = documents.type_by_code("rib")
    page = agent.get(f"/gestion/pieces?type={rib.id}")
    listing = text_of(main_of(page)).split("Afficher", 1)[1]
    assert "RIB" in listing and "PAI" not in listing
    assert title_of(page).startswith("Pièces à valider : à valider, RIB")
    unknown = text_of(main_of(agent.get("/gestion/pieces?type=999"))).split("Afficher", 1)[1]
    assert "RIB" in unknown and "PAI" in unknown  # an unknown type: every type


def test_back_office_document_pages_are_for_agents_only(world, client):
    document = add(world, "rib")
    login(client, world.parent)
    for url in ("/gestion/pieces", f"/gestion/pieces/{document.id}", "/gestion/pieces/types",
                "/gestion/pieces/types/nouveau", f"/gestion/pieces/types/{document.type_id}"):
        assert client.get(url).status_code == 403, url
    page = client.get("/pieces")
    for action in ("valider", "refuser", "dates"):
        assert client.post(f"/gestion/pieces/{document.id}/{action}",
                           data={"csrf_token": csrf_from(page.text)}).status_code == 403


# --------------------------------------------------------------------------- review


def test_the_review_page_shows_the_pages_and_logs_the_agents_reads(world, agent, caplog):
    parent = world.app.test_client()
    login(parent, world.parent)
    assert upload(parent, (tiny_pdf(), "recto.pdf"), (tiny_jpeg(), "verso.jpg")).status_code == 302
    document = db.session.execute(select(Document)).scalar_one()

    page = agent.get(f"/gestion/pieces/{document.id}")
    body = text_of(main_of(page))
    assert title_of(page).startswith("Justificatif de domicile, famille Martin")
    assert "Date du document 2 novembre 2026" in body and "Validité du 2 novembre 2026 au 1er février 2027" in body
    assert "Page 1 : recto.pdf (PDF, 1 ko)" in body and "Page 2 : verso.jpg (JPEG, 1 ko)" in body
    assert f'src="/documents/{document.id}/pages/2/apercu"' in page.text  # the photo shown
    assert f'/documents/{document.id}/pages/1/apercu' not in page.text  # a PDF is never shown in the page
    assert 'value="2026-11-02"' in page.text and 'value="2027-02-01"' in page.text  # the dates to validate with
    with caplog.at_level("INFO"):
        preview = agent.get(f"/documents/{document.id}/pages/2/apercu")
        assert agent.get(f"/documents/{document.id}/pages/1").data == tiny_pdf()
    assert preview.data == tiny_jpeg() and preview.headers["Content-Type"] == "image/jpeg"
    assert "attachment" not in preview.headers.get("Content-Disposition", "")
    assert preview.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert agent.get(f"/documents/{document.id}/pages/1/apercu").status_code == 404
    assert f"document {document.id} (family {world.martin.id}) read by agent {agent.user.id}: page 2" in caplog.text
    assert f"read by agent {agent.user.id}: page 1" in caplog.text


def test_validating_with_corrected_dates_is_recorded(world, agent):
    document = add(world, "justificatif_domicile", valid_until=D(2027, 1, 31))

    response = post(agent, document.id, "valider", valid_from="2026-11-01", valid_until="15/03/2027")

    assert response.status_code == 302 and response.location.endswith("/gestion/pieces")
    db.session.refresh(document)
    assert (document.status, document.reviewed_by_id, document.reviewed_at) == ("validated", agent.user.id, NOW)
    assert (document.valid_from, document.valid_until) == (D(2026, 11, 1), D(2027, 3, 15))
    assert ("Pièce validée : Justificatif de domicile, famille Martin (du 1er novembre 2026 au 15 mars 2027)."
            in text_of(agent.get(response.location)))
    page = text_of(agent.get(f"/gestion/pieces/{document.id}"))
    assert "Décision validée le lundi 23 novembre à 10 h par Agent Test" in page
    assert outbox(world.app) == []  # a validation asks nothing of the family: no e-mail


def test_validating_with_dates_in_the_wrong_order_is_refused_next_to_the_field(world, agent):
    document = add(world, "justificatif_domicile", valid_until=D(2027, 1, 31))
    response = post(agent, document.id, "valider", valid_from="2027-01-01", valid_until="2026-12-01")
    assert response.status_code == 200 and title_of(response).startswith("Erreur : ")
    assert re.search(r'id="valid_until-error">.*La date de fin doit être le même jour', response.text)
    db.session.refresh(document)
    assert document.status == "submitted"


def test_refusing_needs_a_reason_and_mails_the_family_a_link_only(world, agent):
    document = add(world, "pai", child=world.lea)
    empty = post(agent, document.id, "refuser", refusal_reason="  ")
    assert empty.status_code == 200 and re.search(r'id="refusal_reason-error">.*Saisissez le motif du refus',
                                                  empty.text)
    assert '<a href="#refusal_reason">' in empty.text

    response = post(agent, document.id, "refuser", refusal_reason="Le PAI n'est pas signé par le médecin.")

    assert response.status_code == 302
    db.session.refresh(document)
    assert (document.status, document.refusal_reason, document.reviewed_by_id) == (
        "refused", "Le PAI n'est pas signé par le médecin.", agent.user.id)
    (message,) = outbox(world.app)
    assert message["To"] == world.parent.email and message["Subject"] == "Une pièce justificative a été refusée"
    body = message.get_content()
    assert re.search(rf"https?://[^/\s]+/pieces/{document.id}\s", body)
    for personal in ("Léa", "Martin", "PAI", "médecin", "signé"):
        assert personal not in body, personal
    assert "La famille a reçu un e-mail" in text_of(agent.get(response.location))
    parent = world.app.test_client()
    login(parent, world.parent)
    assert "Motif : Le PAI n'est pas signé par le médecin." in text_of(parent.get(f"/pieces/{document.id}"))


def test_a_decision_is_not_taken_twice(world, agent):
    document = add(world, "rib")
    assert post(agent, document.id, "valider", valid_from="", valid_until="").status_code == 302
    again = post(agent, document.id, "refuser", refusal_reason="Trop tard")
    assert again.status_code == 302
    assert "Cette pièce a déjà été traitée : rien n'a été modifié." in text_of(agent.get(again.location))
    db.session.refresh(document)
    assert document.status == "validated" and outbox(world.app) == []


def test_decisions_need_the_csrf_token(world, agent):
    document = add(world, "rib")
    for action in ("valider", "refuser"):
        assert agent.post(f"/gestion/pieces/{document.id}/{action}",
                          data={"refusal_reason": "x"}).status_code == 400
    db.session.refresh(document)
    assert document.status == "submitted"


def test_a_validated_documents_dates_can_be_corrected(world, agent):
    document = add(world, "assurance_scolaire", status="validated", valid_until=D(2027, 8, 31), child=world.hugo)
    response = post(agent, document.id, "dates", valid_from="2026-09-01", valid_until="2027-07-04")
    assert response.status_code == 302
    db.session.refresh(document)
    assert (document.valid_from, document.valid_until) == (D(2026, 9, 1), D(2027, 7, 4))
    submitted = add(world, "rib")
    assert post(agent, submitted.id, "dates", valid_from="2026-09-01", valid_until="").status_code == 404


def test_a_family_file_lists_its_documents(world, agent):
    add(world, "justificatif_domicile", status="validated", valid_until=D(2027, 1, 31))
    add(world, "rib", family=world.bernard)
    page = text_of(main_of(agent.get(f"/gestion/familles/{world.martin.id}")))
    section = page.split("Pièces justificatives", 1)[1]
    assert "Justificatif de domicile : Valide (valide jusqu'au 31 janvier 2027)" in section and "RIB" not in section


# --------------------------------------------------------------------------- types


def test_agents_edit_and_add_types(world, agent):
    domicile = documents.type_by_code("justificatif_domicile")
    page = agent.get(f"/gestion/pieces/types/{domicile.id}")
    response = agent.post(f"/gestion/pieces/types/{domicile.id}", data={
        "csrf_token": csrf_from(page.text), "label": "Justificatif de domicile récent", "help_text": "Facture",
        "validity": "months", "validity_months": "6", "active": "y"})
    assert response.status_code == 302
    db.session.refresh(domicile)
    assert (domicile.code, domicile.label, domicile.validity_months, domicile.per_child, domicile.active) == (
        "justificatif_domicile", "Justificatif de domicile récent", 6, False, True)

    new = agent.get("/gestion/pieces/types/nouveau")
    missing = agent.post("/gestion/pieces/types/nouveau", data={
        "csrf_token": csrf_from(new.text), "label": "Attestation de natation", "validity": "months"})
    assert re.search(r'id="validity_months-error">.*Saisissez le nombre de mois', missing.text)
    created = agent.post("/gestion/pieces/types/nouveau", data={
        "csrf_token": csrf_from(new.text), "label": "Attestation de natation (25 m)", "validity": "school_year",
        "validity_months": "4", "per_child": "y", "active": "y"})
    assert created.status_code == 302
    natation = db.session.execute(select(DocumentType).where(DocumentType.label.startswith("Attestation de nat"))
                                  ).scalar_one()
    assert (natation.code, natation.validity, natation.validity_months, natation.per_child) == (
        "attestation_de_natation_25_m", "school_year", None, True)
    assert natation.position > domicile.position
    assert "Attestation de natation (25 m)" in text_of(agent.get("/gestion/pieces/types"))


# --------------------------------------------------------------------------- the service API (démarches)


def test_valid_documents_and_missing_types(world):
    add(world, "justificatif_domicile", status="validated", valid_until=D(2027, 1, 31))
    add(world, "justificatif_domicile", status="validated", valid_until=D(2026, 12, 1))
    add(world, "attestation_caf_msa", status="validated", valid_until=D(2026, 11, 1))  # expired
    add(world, "assurance_scolaire", status="validated", valid_until=D(2027, 8, 31), child=world.lea)
    add(world, "rib")  # awaiting an agent
    add(world, "avis_imposition", status="validated", family=world.bernard)
    codes = ["justificatif_domicile", "attestation_caf_msa", "assurance_scolaire", "rib", "avis_imposition"]

    found = documents.valid_documents(world.martin.id, codes, TODAY)

    assert [d.valid_until for d in found["justificatif_domicile"]] == [D(2027, 1, 31), D(2026, 12, 1)]
    assert found["attestation_caf_msa"] == [] and found["rib"] == [] and found["avis_imposition"] == []
    assert len(found["assurance_scolaire"]) == 1
    assert documents.valid_documents(world.martin.id, ["assurance_scolaire"], TODAY, child_id=world.hugo.id) == {
        "assurance_scolaire": []}
    assert len(documents.valid_documents(world.martin.id, ["rib"], TODAY, include_submitted=True)["rib"]) == 1
    assert documents.missing_types(world.martin.id, codes, TODAY) == ["attestation_caf_msa", "rib",
                                                                      "avis_imposition"]
    assert documents.missing_types(world.martin.id, codes, D(2027, 2, 1)) == [  # a later day: expired since
        "justificatif_domicile", "attestation_caf_msa", "rib", "avis_imposition"]


def test_store_upload_for_another_domain(world):
    checked = uploads.CheckedFile(tiny_pdf(), "application/pdf", "attestation.pdf")
    document = documents.store_upload(world.martin.id, "assurance_scolaire", [checked], now=NOW,
                                      actor_id=world.parent.id, child_id=world.hugo.id,
                                      document_date=D(2026, 9, 2))
    with documents.files_removed_on_failure(document):
        db.session.commit()
    assert (document.status, document.valid_until, document.child_id) == ("submitted", D(2027, 8, 31), world.hugo.id)
    assert len(uploaded_files(world.app)) == 1
    documents.mark_used(document, NOW)
    db.session.commit()
    assert document.used_at == NOW

    for code, child in (("n_existe_pas", None), ("assurance_scolaire", None), ("assurance_scolaire", world.chloe)):
        with pytest.raises(ValueError):
            documents.store_upload(world.martin.id, code, [checked], now=NOW, actor_id=None,
                                   child_id=child.id if child else None)
    with pytest.raises(ValueError):
        documents.store_upload(world.martin.id, "rib", [], now=NOW, actor_id=None)
    assert len(uploaded_files(world.app)) == 1


def test_a_failed_commit_removes_the_files_of_a_stored_upload(world, monkeypatch):
    checked = uploads.CheckedFile(tiny_pdf(), "application/pdf", "rib.pdf")
    document = documents.store_upload(world.martin.id, "rib", [checked, checked], now=NOW, actor_id=None)
    assert len(uploaded_files(world.app)) == 2

    def broken_commit():
        raise RuntimeError("database down")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError), documents.files_removed_on_failure(document):
        db.session.commit()
    monkeypatch.undo()
    assert uploaded_files(world.app) == [] and db.session.execute(select(Document)).first() is None


def test_default_types_are_added_once(world):
    assert documents.ensure_default_types() == 0
    assert len(documents.active_types()) == 9
