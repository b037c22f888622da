"""Mes pièces justificatives (family pages): uploading a document of several pages checked by content (an iPhone
photo converted), the messages next to the field for every bad file, the date rules, a form sent twice, the list
and a document's page with its state in words, replacing and deleting, and the family's documents served to it
only (another family's: 404, an agent on the family pages: 403, no CSRF: 400)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from documents_world import (
    NOW,
    TODAY,
    build_world,
    count,
    login,
    only_document,
    set_clock,
    tiny_heic,
    tiny_jpeg,
    tiny_pdf,
    tiny_png,
    upload,
    uploaded_files,
)
from sqlalchemy import select
from support import csrf_from, links, main_of, text, text_of, title_of

from blueprints.documents import service as documents
from models import Document, DocumentFile, DocumentType, db

D = dt.date


@pytest.fixture
def world(app, make_family):
    return build_world(app, make_family)


@pytest.fixture
def parent(world, client):
    login(client, world.parent)
    return client


def field_error(response, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', response.text, re.S)
    assert match, f"no error next to #{field_id}"
    return text_of(match.group(1)).removeprefix("Erreur : ")


def nothing_stored(world) -> bool:
    return count(Document) == 0 and count(DocumentFile) == 0 and uploaded_files(world.app) == []


# --------------------------------------------------------------------------- uploading


def test_a_document_of_several_pages_is_stored_and_awaits_validation(world, parent):
    response = upload(parent, (tiny_pdf(), "facture EDF.pdf"), (tiny_png(), "verso.PNG"), (tiny_jpeg(), "p3.jpeg"),
                      date="2026-11-02")

    assert response.status_code == 302
    document = only_document()
    assert response.location.endswith(f"/pieces/{document.id}")
    assert (document.family_id, document.kind, document.type.code, document.status) == (
        world.martin.id, "piece", "justificatif_domicile", "submitted")
    assert (document.document_date, document.valid_from, document.valid_until) == (
        D(2026, 11, 2), D(2026, 11, 2), D(2027, 2, 1))  # "moins de 3 mois"
    assert [(f.position, f.original_name, f.content_type) for f in document.files] == [
        (1, "facture EDF.pdf", "application/pdf"), (2, "verso.png", "image/png"), (3, "p3.jpg", "image/jpeg")]
    stored = uploaded_files(world.app)
    assert sorted(p.name for p in stored) == sorted(f.stored_name for f in document.files)
    assert [p.read_bytes() for p in sorted(stored, key=lambda p: [f.stored_name for f in document.files]
                                           .index(p.name))] == [tiny_pdf(), tiny_png(), tiny_jpeg()]
    page = text_of(parent.get(response.location))
    assert "Pièce déposée : Justificatif de domicile." in page
    assert ("En attente de vérification — Déposée le lundi 23 novembre à 10 h. Le service Enfance va la vérifier. "
            "Elle sera valide jusqu'au 1er février 2027.") in page
    assert "Page 1 : facture EDF.pdf (PDF, 1 ko)" in page and "Page 3 : p3.jpg (JPEG, 1 ko)" in page
    for n, data in enumerate([tiny_pdf(), tiny_png(), tiny_jpeg()], start=1):
        assert parent.get(f"/documents/{document.id}/pages/{n}").data == data


def test_an_iphone_photo_is_converted_to_jpeg_without_its_metadata(world, parent):
    response = upload(parent, (tiny_heic(), "IMG_0042.HEIC"))

    assert response.status_code == 302
    (file,) = only_document().files
    assert (file.content_type, file.original_name) == ("image/jpeg", "IMG_0042.jpg")
    data = uploaded_files(world.app)[0].read_bytes()
    assert data.startswith(b"\xff\xd8\xff") and b"Exif" not in data[:200]


def test_a_pdf_renamed_jpg_is_kept_as_the_pdf_it_is(world, parent):
    assert upload(parent, (tiny_pdf(), "scan.jpg")).status_code == 302
    (file,) = only_document().files
    assert (file.content_type, file.original_name) == ("application/pdf", "scan.pdf")
    response = parent.get(f"/documents/{only_document().id}")
    assert response.headers["Content-Type"] == "application/pdf" and "scan.pdf" in response.headers[
        "Content-Disposition"]


@pytest.mark.parametrize("files, expected", [
    ([(b"", "vide.pdf")], "« vide.pdf » : Le fichier est vide."),
    ([(b"<html><script>alert(1)</script></html>", "facture.pdf")],
     "« facture.pdf » : Le fichier n'est pas un PDF, un JPEG ou un PNG."),
    ([(tiny_pdf(), "recto.pdf"), (b"PK\x03\x04 a zip", "verso.docx")],
     "« verso.docx » : Le fichier n'est pas un PDF, un JPEG ou un PNG."),
    ([(b"\xff\xd8\xff<html><script>alert(1)</script></html>", "photo.jpg")],
     "« photo.jpg » : Le fichier est abîmé ou incomplet"),
    ([(b"%PDF-1.4\n<html><script>alert(1)</script></html>", "polyglotte.pdf")],
     "« polyglotte.pdf » : Le fichier est abîmé ou incomplet"),
    ([(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "IMG_0001.HEIC")],
     "« IMG_0001.HEIC » : La photo est au format HEIC (iPhone) et n'a pas pu être convertie. Sur l'iPhone, ouvrez "
     "Réglages > Appareil photo > Formats et choisissez « Le plus compatible »"),
], ids=["empty", "html-named-pdf", "one-bad-of-two", "html-with-jpeg-magic", "pdf-html-polyglot", "broken-heic"])
def test_bad_files_are_refused_next_to_the_field_and_nothing_is_stored(world, parent, files, expected):
    response = upload(parent, *files)

    assert response.status_code == 200 and title_of(response).startswith("Erreur : ")
    message = field_error(response, "files")
    assert message.startswith(expected) and "Rien n'a été enregistré : choisissez à nouveau vos fichiers." in message
    assert re.search(r'<a href="#files">', response.text)  # the error summary links to the field
    assert 'aria-invalid="true"' in response.text
    assert nothing_stored(world)


def test_a_file_over_the_limit_is_refused(world, parent):
    limit = world.app.config["UPLOAD_MAX_BYTES"]
    response = upload(parent, (b"%PDF-1.4\n" + b"0" * limit + b"%%EOF", "gros.pdf"))

    assert field_error(response, "files").startswith("« gros.pdf » : Le fichier dépasse 10 Mo.")
    assert nothing_stored(world)


def test_too_many_files_or_too_much_in_all_is_refused(world, parent):
    world.app.config.update(UPLOAD_MAX_FILES=2, UPLOAD_MAX_TOTAL_BYTES=len(tiny_pdf()) * 2)
    response = upload(parent, tiny_pdf(), tiny_pdf(), tiny_pdf())
    assert field_error(response, "files").startswith("Vous avez choisi 3 fichiers : 2 au maximum.")
    response = upload(parent, tiny_pdf(), tiny_pdf() + b" ")
    assert "Les fichiers dépassent" in field_error(response, "files")
    assert nothing_stored(world)


def test_a_request_over_max_content_length_gets_a_page_that_says_so(world, parent):
    world.app.config["MAX_CONTENT_LENGTH"] = 2000
    response = upload(parent, (b"%PDF-1.4\n" + b"0" * 5000 + b"%%EOF", "gros.pdf"))
    assert response.status_code == 413
    assert "Rien n'a été enregistré" in text_of(response) and "10 Mo au maximum par fichier" in text_of(response)
    assert nothing_stored(world)


def test_no_file_chosen(world, parent):
    response = upload(parent)
    assert field_error(response, "files") == "Choisissez le ou les fichiers de la pièce (une photo ou un PDF par page)."
    assert nothing_stored(world)


@pytest.mark.parametrize("type_code, date, field, expected", [
    ("justificatif_domicile", "", "document_date", "Saisissez la date écrite sur le document"),
    ("justificatif_domicile", "2026-11-24", "document_date", "La date du document ne peut pas être après aujourd'hui"),
    ("justificatif_domicile", "2026-08-22", "document_date",
     "Ce document n'est plus valide : ce type de pièce est valide 3 mois à partir de sa date."),
    ("assurance_scolaire", "2026-06-01", "child_id", "Choisissez l'enfant concerné par cette pièce"),
    ("", "2026-11-02", "type_code", "Choisissez le type de pièce."),
    ("n_existe_pas", "2026-11-02", "type_code", "Choisissez le type de pièce."),
    ("justificatif_domicile", "31/02/2026", "document_date", "La date du document n'est pas une date valide."),
])
def test_type_child_and_date_are_checked(world, parent, type_code, date, field, expected):
    response = upload(parent, tiny_pdf(), type_code=type_code, date=date)
    assert response.status_code == 200 and expected in field_error(response, field)
    assert nothing_stored(world)


def test_a_per_child_type_records_the_child_and_a_family_type_does_not(world, parent):
    assert upload(parent, tiny_pdf(), type_code="carnet_vaccination", child=world.hugo, date="").status_code == 302
    assert upload(parent, tiny_pdf(), type_code="rib", child=world.hugo, date="").status_code == 302
    rows = {d.type.code: d for d in db.session.execute(select(Document)).scalars()}
    assert rows["carnet_vaccination"].child_id == world.hugo.id and rows["carnet_vaccination"].valid_until is None
    assert rows["rib"].child_id is None
    assert "Carnet de vaccination de Hugo" in text_of(parent.get("/pieces"))


def test_another_familys_child_is_refused(world, parent):
    response = upload(parent, tiny_pdf(), type_code="carnet_vaccination", child=world.chloe, date="")
    assert response.status_code == 200 and "Choisissez une valeur de la liste." in field_error(response, "child_id")
    assert nothing_stored(world)


def test_a_form_sent_twice_stores_one_document(world, parent):
    page = parent.get("/pieces/deposer")
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', page.text).group(1)
    first = upload(parent, tiny_pdf(), token_value=token)
    again = upload(parent, tiny_png(), token_value=token)

    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert count(Document) == 1 and len(uploaded_files(world.app)) == 1
    assert "Cette pièce est déjà déposée : la voici." in text_of(parent.get(again.location))


def test_a_form_without_its_one_time_number_is_refused(world, parent):
    response = upload(parent, tiny_pdf(), token=False)
    assert response.status_code == 200 and "Ce formulaire n'est plus valable." in text_of(main_of(response))
    assert nothing_stored(world)


def test_post_without_csrf_is_refused(world, parent):
    assert upload(parent, tiny_pdf(), csrf=False).status_code == 400
    assert nothing_stored(world)


def test_a_failed_database_write_removes_the_stored_files(world, parent, monkeypatch):
    def broken_commit():
        raise RuntimeError("database down")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        upload(parent, tiny_pdf(), tiny_png())
    monkeypatch.undo()
    assert nothing_stored(world)


# --------------------------------------------------------------------------- list, states, replace, delete


def add(world, type_code, *, status="submitted", valid_until=None, child=None, reason="", uploaded=NOW, family=None):
    """A document with one stored file, straight into the database."""
    document_type = documents.type_by_code(type_code)
    name = f"{uuid.uuid4().hex}.pdf"
    document = Document(family_id=(family or world.martin).id, child_id=child.id if child else None, kind="piece",
                        type_id=document_type.id, status=status, valid_from=D(2026, 1, 1) if valid_until else None,
                        valid_until=valid_until, uploaded_at=uploaded, refusal_reason=reason,
                        reviewed_at=NOW if status != "submitted" else None,
                        files=[DocumentFile(position=1, original_name="piece.pdf", stored_name=name,
                                            content_type="application/pdf", size=10)])
    db.session.add(document)
    db.session.commit()
    return document


def test_the_list_follows_the_types_and_says_each_state_in_words(world, parent):
    add(world, "assurance_scolaire", status="validated", valid_until=D(2027, 8, 31), child=world.lea)
    add(world, "justificatif_domicile", status="validated", valid_until=D(2026, 12, 10))
    add(world, "attestation_caf_msa", status="validated", valid_until=D(2026, 11, 1))
    add(world, "avis_imposition", status="refused", reason="Il manque la deuxième page.")
    add(world, "rib")
    add(world, "rib", family=world.bernard)  # another family's: never listed

    page = text_of(main_of(parent.get("/pieces")))
    assert "Vous avez 5 pièces. 3 demandent votre attention (refusées, expirées ou qui expirent bientôt)." in page
    assert "Justificatif de domicile Expire bientôt — Valide jusqu'au 10 décembre 2026 : " \
           "pensez à envoyer une pièce plus récente." in page
    assert "Expirée — Elle était valide jusqu'au 1er novembre 2026. Envoyez une pièce plus récente." in page
    assert "Refusée — Refusée le lundi 23 novembre à 10 h. Motif : Il manque la deuxième page." in page
    assert "Attestation d'assurance scolaire et extrascolaire de Léa Valide — Valide jusqu'au 31 août 2027." in page
    assert "RIB (relevé d'identité bancaire) En attente de vérification" in page
    assert page.index("Justificatif de domicile") < page.index("Attestation CAF") < page.index("RIB")
    assert page.count("Envoyer une pièce plus récente") == 3
    dashboard = text_of(parent.get("/mon-accueil"))
    assert "Mes pièces justificatives (3 pièces demandent votre attention" in dashboard
    assert links(parent.get("/mon-accueil"))["Mes pièces justificatives"] == "/pieces"


def test_an_empty_space_says_so(world, parent):
    page = parent.get("/pieces")
    assert "Vous n'avez encore déposé aucune pièce." in text_of(page)
    assert links(page)["Déposer une pièce"] == "/pieces/deposer"
    assert links(page)["Mes pièces"] == "/pieces"  # the main menu


def test_replacing_a_refused_document_keeps_its_type_and_child_and_hides_it(world, parent):
    refused = add(world, "carnet_vaccination", status="refused", child=world.lea, reason="Illisible")
    form = parent.get(f"/pieces/deposer?remplace={refused.id}")
    assert "Vous envoyez une pièce plus récente pour : Carnet de vaccination de Léa (refusée)." in text_of(form)
    assert 'name="type_code"' in form.text and 'type="radio"' not in form.text

    response = upload(parent, tiny_png(), type_code="rib", child=world.hugo, date="", replaces=refused)

    assert response.status_code == 302
    assert "Pièce déposée : Carnet de vaccination de Léa." in text_of(parent.get(response.location))
    new = db.session.execute(select(Document).where(Document.id != refused.id)).scalar_one()
    assert (new.type.code, new.child_id, new.replaces_id) == ("carnet_vaccination", world.lea.id, refused.id)
    db.session.refresh(refused)
    assert refused.replaced_at == NOW
    assert text_of(parent.get("/pieces")).count("Carnet de vaccination de Léa") == 1
    assert parent.get(f"/pieces/deposer?remplace={refused.id}").status_code == 404  # already replaced


def test_a_new_upload_replaces_the_refused_and_expired_ones_of_the_same_type(world, parent):
    refused = add(world, "justificatif_domicile", status="refused", reason="Trop ancien")
    expired = add(world, "justificatif_domicile", status="validated", valid_until=D(2026, 10, 1))
    expiring = add(world, "justificatif_domicile", status="validated", valid_until=D(2026, 12, 1))
    assert upload(parent, tiny_pdf()).status_code == 302
    for document in (refused, expired, expiring):
        db.session.refresh(document)
    assert refused.replaced_at == expired.replaced_at == NOW and expiring.replaced_at is None


def test_a_valid_or_submitted_document_cannot_be_replaced(world, parent):
    valid = add(world, "rib", status="validated")
    submitted = add(world, "pai", child=world.lea)
    assert parent.get(f"/pieces/deposer?remplace={valid.id}").status_code == 404
    assert parent.get(f"/pieces/deposer?remplace={submitted.id}").status_code == 404
    assert parent.get("/pieces/deposer?remplace=abc").status_code == 404


def test_deleting_a_submitted_document_removes_it_and_its_files(world, parent):
    assert upload(parent, tiny_pdf(), tiny_png()).status_code == 302
    document = only_document()
    confirm = parent.get(f"/pieces/{document.id}/supprimer")
    assert "Vous allez supprimer : Justificatif de domicile (2 pages" in text_of(confirm)

    response = parent.post(f"/pieces/{document.id}/supprimer", data={"csrf_token": csrf_from(confirm.text)})

    assert response.status_code == 302 and response.location.endswith("/pieces")
    assert nothing_stored(world)
    assert "Pièce supprimée : Justificatif de domicile." in text_of(parent.get("/pieces"))
    again = parent.post(f"/pieces/{document.id}/supprimer", data={"csrf_token": csrf_from(confirm.text)})
    assert again.status_code == 302
    assert "Cette pièce n'est plus dans votre espace : rien n'a été modifié." in text_of(parent.get(again.location))


@pytest.mark.parametrize("status, used", [("validated", False), ("refused", False), ("submitted", True)])
def test_a_reviewed_or_used_document_cannot_be_deleted(world, parent, status, used):
    document = add(world, "rib", status=status)
    if used:
        documents.mark_used(document, NOW)
        db.session.commit()
    page = parent.get(f"/pieces/{document.id}")
    assert "Supprimer cette pièce" not in text_of(page)
    response = parent.post(f"/pieces/{document.id}/supprimer", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 200 and title_of(response).startswith("Erreur : ")
    assert "Cette pièce ne peut plus être supprimée" in text_of(response)
    assert db.session.get(Document, document.id) is not None


def test_delete_without_csrf_is_refused(world, parent):
    document = add(world, "rib")
    assert parent.post(f"/pieces/{document.id}/supprimer").status_code == 400
    assert db.session.get(Document, document.id) is not None


# --------------------------------------------------------------------------- who may see what


def test_another_familys_document_is_not_found(world, parent):
    theirs = add(world, "rib", family=world.bernard)
    page = parent.get("/pieces")
    for url in (f"/pieces/{theirs.id}", f"/pieces/{theirs.id}/supprimer", f"/pieces/deposer?remplace={theirs.id}",
                f"/documents/{theirs.id}", f"/documents/{theirs.id}/pages/1", "/pieces/999999"):
        assert parent.get(url).status_code == 404, url
    assert parent.post(f"/pieces/{theirs.id}/supprimer", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert db.session.get(Document, theirs.id) is not None  # answered as a missing one, and untouched


def test_another_familys_form_number_is_not_found(world, parent, app):
    other = app.test_client()
    login(other, world.other_parent)
    page = other.get("/pieces/deposer")
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', page.text).group(1)
    assert upload(other, tiny_pdf(), token_value=token).status_code == 302
    assert upload(parent, tiny_pdf(), token_value=token).status_code == 404
    assert count(Document) == 1


def test_family_pages_are_for_parents_only(world, client, make_agent):
    assert client.get("/pieces").status_code == 302  # not logged in: the login page
    login(client, make_agent())
    for url in ("/pieces", "/pieces/deposer"):
        assert client.get(url).status_code == 403


def test_a_missing_page_of_a_document_is_not_found(world, parent):
    document = add(world, "rib")
    assert parent.get(f"/documents/{document.id}/pages/2").status_code == 404
    assert parent.get(f"/documents/{document.id}/pages/0").status_code == 404


def test_the_upload_form_says_what_it_takes(world, parent):
    page = parent.get("/pieces/deposer")
    assert 'enctype="multipart/form-data"' in page.text and re.search(r'<input[^>]*multiple[^>]*type="file"',
                                                                       page.text)
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page.text
    assert ("PDF, JPEG ou PNG : 10 Mo au maximum par fichier, 10 fichiers et 30 Mo en tout." in text(page))
    assert "Les photos d'iPhone sont converties." in text(page)
    assert "Justificatif de domicile" in text(page) and "Valide 3 mois à partir de la date du document." in text(page)
    assert "<legend>Type de pièce" in page.text and title_of(page).startswith("Déposer une pièce")
    inactive = db.session.execute(select(DocumentType).where(DocumentType.code == "rib")).scalar_one()
    inactive.active = False
    db.session.commit()
    assert "RIB" not in text(parent.get("/pieces/deposer"))
    assert upload(parent, tiny_pdf(), type_code="rib", date="").status_code == 200


def test_an_expired_document_is_said_so_the_day_after(world, parent):
    add(world, "justificatif_domicile", status="validated", valid_until=TODAY)
    assert "Expire bientôt" in text_of(parent.get("/pieces"))
    set_clock(world, NOW + dt.timedelta(days=1))
    assert "Expirée — Elle était valide jusqu'au 23 novembre 2026." in text_of(parent.get("/pieces"))
