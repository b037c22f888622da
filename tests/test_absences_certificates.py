"""Certificates: sent by the family (checked by content) they await an agent's validation ("justificatif reçu,
en attente de validation", bookings still "absence signalée"); an agent validates (bookings "absence justifiée")
or refuses with a reason (e-mailed; another one may be sent, the window re-opened). The agents' list, "Mon
accueil" and the document served only to its family and to agents."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from absences_world import (
    FRI,
    NOW,
    THU,
    UTC,
    add_absence,
    build_world,
    count,
    login,
    set_clock,
    states,
    tiny_jpeg,
    tiny_pdf,
    tiny_png,
    upload,
    uploaded_files,
)
from sqlalchemy import select
from support import csrf_from, enroll, links, main_of, outbox, text, text_of, title_of

from models import Absence, Document, Reservation, ReservationChange, db

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 November, 10:00 in Paris


@pytest.fixture
def world(app, make_family, make_activity):
    return build_world(app, make_family, make_activity)


@pytest.fixture
def absence(world):
    """Léa absent from Thursday 19 to Sunday 22, Thursday and Friday kept as absent: to justify until Tuesday 24
    at 23:59 (48 hours after Sunday)."""
    return add_absence(world)


@pytest.fixture
def agent(world, make_agent):
    user = make_agent()
    client = world.app.test_client()
    login(client, user)
    client.user = user
    return client


def review(agent, absence, action: str, **data):
    """An agent's decision on the review page ("valider", or "refuser" with refusal_reason)."""
    page = agent.get(f"/gestion/justificatifs/{absence.id}")
    return agent.post(f"/gestion/justificatifs/{absence.id}/{action}",
                      data={"csrf_token": csrf_from(page.text), **data})


def submitted(world, client, absence, at=NOW):
    set_clock(world, at)
    assert upload(client, world.lea, absence, tiny_pdf()).status_code == 302
    db.session.refresh(absence)
    return absence


# --------------------------------------------------------------------------- sending a certificate


@pytest.mark.parametrize("content, name, content_type", [
    (tiny_pdf(), "Certificat médical.pdf", "application/pdf"),
    (tiny_png(), "photo.PNG", "image/png"),
    (tiny_jpeg(), "scan.jpeg", "image/jpeg"),
], ids=["pdf", "png", "jpeg"])
def test_a_certificate_waits_for_validation(world, client, absence, content, name, content_type):
    login(client, world.parent)

    response = upload(client, world.lea, absence, content, name=name, mimetype="application/octet-stream")

    assert response.status_code == 302 and response.location.endswith(f"/absences/{absence.id}")
    document = db.session.execute(select(Document)).scalar_one()
    assert (document.family_id, document.child_id, document.kind) == (world.martin.id, world.lea.id,
                                                                      "justificatif_absence")
    assert document.content_type == content_type and document.size == len(content)
    assert document.original_name.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]
    db.session.refresh(absence)
    assert (absence.document_id, absence.status, absence.justified_at) == (document.id, "submitted", None)
    assert states(world.lea) == {THU: "absent", FRI: "absent"} and count(ReservationChange) == 0
    (stored,) = uploaded_files(world.app)
    assert stored.read_bytes() == content and stored.name == document.stored_name
    assert name.rsplit(".", 1)[0] not in stored.name
    assert Path(world.app.instance_path) in stored.parents
    assert Path(world.app.static_folder) not in stored.parents
    page = text_of(client.get(response.location))
    assert "Justificatif reçu. Le service Enfance va le vérifier" in page
    assert "Justificatif reçu le mercredi 18 novembre à 19 h, en attente de validation par le service Enfance" in page
    listing = client.get(f"/enfants/{world.lea.id}/absences")
    assert "Envoyer un justificatif" not in text(listing) and "Télécharger le justificatif" in text(listing)
    assert "Envoyer le justificatif" not in text(client.get("/mon-accueil"))  # nothing for the family to do


def test_a_text_file_named_pdf_is_refused(world, client, absence):
    login(client, world.parent)

    response = upload(client, world.lea, absence, b"Ceci n'est pas un certificat.\n", name="certificat.pdf")

    assert response.status_code == 200
    assert re.search(r'id="certificate-error">.*Le fichier n.est pas un PDF, un JPEG ou un PNG', response.text)
    assert count(Document) == 0 and uploaded_files(world.app) == []
    db.session.refresh(absence)
    assert absence.status == "signalled"


def test_a_file_over_the_limit_is_refused_next_to_the_field(world, client, absence):
    login(client, world.parent)
    big = b"%PDF-1.4\n" + b"0" * world.app.config["UPLOAD_MAX_BYTES"]

    response = upload(client, world.lea, absence, big)

    assert response.status_code == 200
    assert re.search(r'id="certificate-error">.*Le fichier dépasse 10 Mo', response.text)
    assert count(Document) == 0 and uploaded_files(world.app) == []


def test_the_upload_form_says_what_it_takes(world, client, absence):
    login(client, world.parent)
    page = client.get(f"/enfants/{world.lea.id}/absences/{absence.id}/justificatif").text
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input[^>]*accept=".pdf,.jpg,.jpeg,.png"[^>]*type="file"|type="file"[^>]*accept=', page)
    assert "Certificat médical ou justificatif" in page and "PDF, JPEG ou PNG, 10 Mo au maximum." in page
    assert "À justifier jusqu'au mardi 24 novembre à 23 h 59" in text(page)
    assert "S'il le valide" in text(page)


def test_too_late_to_justify(world, client, absence):
    set_clock(world, dt.datetime(2026, 11, 24, 23, 0, tzinfo=UTC))  # Wednesday 25, 00:00 Paris
    login(client, world.parent)

    assert "Délai de justification dépassé" in client.get(f"/enfants/{world.lea.id}/absences").text
    response = upload(client, world.lea, absence, tiny_pdf())

    assert response.status_code == 200
    assert "Le délai pour justifier cette absence est dépassé depuis le mercredi 25 novembre à 0 h" in response.text
    assert "<title>Erreur : " in response.text
    assert count(Document) == 0 and uploaded_files(world.app) == []


def test_a_certificate_sent_twice_is_kept_once(world, client, absence):
    login(client, world.parent)
    assert upload(client, world.lea, absence, tiny_pdf()).status_code == 302

    again = upload(client, world.lea, absence, tiny_png())

    assert again.status_code == 302 and count(Document) == 1 and len(uploaded_files(world.app)) == 1
    assert "en attente de validation par le service Enfance" in text(client.get(again.location))
    page = client.get(f"/enfants/{world.lea.id}/absences/{absence.id}/justificatif")
    assert "Le justificatif de cette absence a été reçu le" in text(page) and 'type="file"' not in page.text


def test_post_without_csrf_is_refused(world, client, absence, agent):
    login(client, world.parent)
    assert upload(client, world.lea, absence, tiny_pdf(), token=False).status_code == 400
    assert count(Document) == 0
    submitted(world, client, absence)
    for action in ("valider", "refuser"):
        assert agent.post(f"/gestion/justificatifs/{absence.id}/{action}",
                          data={"refusal_reason": "Illisible"}).status_code == 400
    db.session.refresh(absence)
    assert absence.status == "submitted"


# --------------------------------------------------------------------------- the agents' review


def test_agents_list_pending_certificates_oldest_first_and_validate_one(world, client, absence, agent):
    monday_30 = dt.date(2026, 11, 30)
    chloes = Absence(child_id=world.chloe.id, start_date=monday_30, end_date=monday_30, created_at=NOW)
    db.session.add(chloes)
    db.session.flush()
    db.session.add(Reservation(child_id=world.chloe.id, unit_id=world.unit.id, date=monday_30,
                               state="absent", absence_id=chloes.id, requested_at=NOW))
    db.session.add(Absence(child_id=world.lea.id, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 1),
                           created_at=NOW))  # no certificate: not listed
    db.session.commit()
    login(client, world.parent)
    submitted(world, client, absence, at=NOW + dt.timedelta(hours=1))
    other = world.app.test_client()
    login(other, world.other_parent)
    set_clock(world, NOW)
    assert upload(other, world.chloe, chloes, tiny_pdf()).status_code == 302

    home = text_of(agent.get("/gestion/"))
    assert "Justificatifs à valider" in home and "2 justificatifs d'absence attendent une décision." in home
    listing = agent.get("/gestion/justificatifs")
    assert title_of(listing).startswith("Justificatifs à valider")
    shown = text_of(main_of(listing))
    assert shown.index("Chloé Bernard") < shown.index("Léa Martin")  # the oldest received first
    assert "Reçu le mercredi 18 novembre à 20 h" in shown and "du jeudi 19 novembre au dimanche 22 novembre" in shown
    assert links(listing)["Examiner le justificatif de Léa Martin"] == f"/gestion/justificatifs/{absence.id}"
    assert links(listing)["Télécharger le justificatif de Léa Martin"] == f"/documents/{absence.document_id}"

    page = agent.get(f"/gestion/justificatifs/{absence.id}")
    assert "Repas du jeudi 19 novembre : absence signalée" in text_of(page)
    assert "Les 2 réservations marquées absentes passeront en « absence justifiée »" in text_of(page)
    set_clock(world, MONDAY)
    response = review(agent, absence, "valider")

    assert response.status_code == 302 and response.location.endswith("/gestion/justificatifs")
    assert states(world.lea) == {THU: "justified", FRI: "justified"}
    db.session.refresh(absence)
    assert (absence.status, absence.justified_at, absence.reviewed_by_id) == ("validated", MONDAY, agent.user.id)
    audit = db.session.execute(select(ReservationChange.before, ReservationChange.after, ReservationChange.via,
                                      ReservationChange.actor_id, ReservationChange.reason)).all()
    assert audit == [("absent", "justified", "agent", agent.user.id, "Justificatif validé : absence justifiée")] * 2
    after = agent.get(response.location)
    assert "Justificatif validé : l'absence de Léa Martin du jeudi 19 novembre au dimanche 22 novembre est " \
        "justifiée. 2 réservations passent en « absence justifiée »." in text_of(after)
    assert "Examiner le justificatif de Léa Martin" not in links(after)
    assert "Examiner le justificatif de Chloé Bernard" in links(after)
    assert "Absence justifiée : justificatif validé le lundi 23 novembre à 10 h" in text_of(
        client.get(f"/enfants/{world.lea.id}/absences"))
    assert "Absence justifiée" in client.get(f"/enfants/{world.lea.id}/agenda/2026-11").text

    again = review(agent, absence, "valider")  # a replay: nothing changes
    assert again.status_code == 302 and "déjà été traité" in text(agent.get(again.location))
    assert count(ReservationChange) == 2


def test_a_refusal_needs_a_reason_and_the_family_gets_it_by_email(world, client, absence, agent):
    login(client, world.parent)
    submitted(world, client, absence)
    set_clock(world, MONDAY)

    missing = review(agent, absence, "refuser", refusal_reason="  ")
    assert missing.status_code == 200 and title_of(missing).startswith("Erreur : Justificatif de Léa Martin")
    assert re.search(r'id="refusal_reason-error">.*Saisissez le motif du refus', missing.text)
    assert '<a href="#refusal_reason">' in missing.text
    db.session.refresh(absence)
    assert absence.status == "submitted" and outbox(world.app) == []

    response = review(agent, absence, "refuser", refusal_reason="Le certificat ne couvre pas le vendredi.")

    assert response.status_code == 302
    db.session.refresh(absence)
    assert (absence.status, absence.refused_at, absence.reviewed_by_id) == ("refused", MONDAY, agent.user.id)
    assert absence.refusal_reason == "Le certificat ne couvre pas le vendredi."
    assert states(world.lea) == {THU: "absent", FRI: "absent"}
    (mail,) = outbox(world.app)
    body = mail.get_content()
    assert mail["To"] == world.parent.email and mail["Subject"] == "Justificatif refusé : absence de Léa"
    assert "Motif du refus : Le certificat ne couvre pas le vendredi." in body
    assert "jusqu'au mercredi 25 novembre à 10 h" in body  # 48 hours after the refusal: later than Tuesday 23:59
    assert f"/enfants/{world.lea.id}/absences#absence-{absence.id}" in body
    assert "La famille a reçu le motif par e-mail." in text(agent.get(response.location))

    listing = text_of(client.get(f"/enfants/{world.lea.id}/absences"))
    assert "Justificatif refusé le lundi 23 novembre à 10 h. Motif : Le certificat ne couvre pas le vendredi." \
        in listing
    assert "Envoyer un autre justificatif" in listing
    todo = text_of(client.get("/mon-accueil"))
    assert "Envoyer un autre justificatif pour l'absence de Léa" in todo and "le premier a été refusé" in todo

    assert upload(client, world.lea, absence, tiny_png()).status_code == 302  # another one
    db.session.refresh(absence)
    assert absence.status == "submitted" and count(Document) == 2
    page = text_of(agent.get(f"/gestion/justificatifs/{absence.id}"))
    assert "Motif du refus (précédent justificatif) Le certificat ne couvre pas le vendredi." in page


def test_a_refusal_reopens_the_window_for_as_long_as_it_lasts(world, client, absence, agent):
    """Refused on Tuesday 24 at 20:00 (the window was to close at 23:59): another certificate may be sent until
    Thursday 26 at 20:00, and the agent's validation of it then justifies the bookings."""
    login(client, world.parent)
    submitted(world, client, absence)
    tuesday_20h = dt.datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    set_clock(world, tuesday_20h)
    review(agent, absence, "refuser", refusal_reason="Illisible")
    assert "jusqu'au jeudi 26 novembre à 20 h" in outbox(world.app)[0].get_content()

    set_clock(world, dt.datetime(2026, 11, 26, 18, 59, tzinfo=UTC))  # Thursday 19:59
    assert upload(client, world.lea, absence, tiny_pdf()).status_code == 302
    review(agent, absence, "valider")
    assert states(world.lea) == {THU: "justified", FRI: "justified"}


def test_after_the_reopened_window_nothing_more_is_taken(world, client, absence, agent):
    login(client, world.parent)
    submitted(world, client, absence)
    set_clock(world, dt.datetime(2026, 11, 24, 19, 0, tzinfo=UTC))
    review(agent, absence, "refuser", refusal_reason="Illisible")

    set_clock(world, dt.datetime(2026, 11, 26, 19, 0, tzinfo=UTC))  # Thursday 20:00
    response = upload(client, world.lea, absence, tiny_pdf())

    assert response.status_code == 200 and "<title>Erreur : " in response.text and count(Document) == 1
    assert "Le délai pour en envoyer un autre a pris fin le jeudi 26 novembre à 20 h" in text_of(
        client.get(f"/enfants/{world.lea.id}/absences"))
    assert "Envoyer un autre justificatif" not in text(client.get("/mon-accueil"))


def test_validation_justifies_only_the_bookings_whose_window_was_open(world, client, agent, make_activity):
    """The canteen has the commune's 48 hours; the evening club gives none after the day (0 hours). A certificate
    sent on Monday covers the canteen's Thursday and Friday, not the club's Friday (billed)."""
    club, club_unit, club_period = make_activity(code="club", slot="afternoon", label="Club",
                                                 absence_justification_hours=0)
    enroll(world.lea, club, club_period)
    absence = add_absence(world)
    db.session.add(Reservation(child_id=world.lea.id, unit_id=club_unit.id, date=FRI, state="absent",
                               absence_id=absence.id, requested_at=NOW))
    db.session.commit()
    login(client, world.parent)
    submitted(world, client, absence, at=MONDAY)

    review(agent, absence, "valider")

    rows = db.session.execute(select(Reservation.unit_id, Reservation.date, Reservation.state)).all()
    assert sorted(rows) == sorted([(world.unit.id, THU, "justified"), (world.unit.id, FRI, "justified"),
                                   (club_unit.id, FRI, "absent")])


def test_the_activity_window_overrides_the_communes(world, client, absence, agent):
    world.activity.absence_justification_hours = 72
    db.session.commit()
    login(client, world.parent)
    submitted(world, client, absence, at=dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    review(agent, absence, "valider")
    assert states(world.lea) == {THU: "justified", FRI: "justified"}


def test_the_review_is_for_agents_and_shows_no_decision_once_taken(world, client, absence, agent):
    login(client, world.parent)
    for url in ("/gestion/justificatifs", f"/gestion/justificatifs/{absence.id}"):
        assert client.get(url).status_code == 403
    token = csrf_from(client.get(f"/enfants/{world.lea.id}/absences").text)
    assert client.post(f"/gestion/justificatifs/{absence.id}/valider", data={"csrf_token": token}).status_code == 403
    assert agent.get("/gestion/justificatifs/999999").status_code == 404

    page = agent.get(f"/gestion/justificatifs/{absence.id}")  # signalled: no certificate to decide on
    assert "aucun justificatif reçu" in text(page) and "Valider le justificatif" not in text(page)
    response = review(agent, absence, "valider")
    assert response.status_code == 302 and states(world.lea) == {THU: "absent", FRI: "absent"}
    db.session.refresh(absence)
    assert absence.status == "signalled"


def test_an_absence_withdrawn_leaves_the_agents_list(world, client, agent):
    absence = add_absence(world, start=dt.date(2026, 11, 26), end=dt.date(2026, 11, 27),
                          days=(dt.date(2026, 11, 26),))
    login(client, world.parent)
    submitted(world, client, absence)
    assert "Léa Martin" in text_of(agent.get("/gestion/justificatifs"))
    url = f"/enfants/{world.lea.id}/absences/{absence.id}/retirer"
    client.post(url, data={"csrf_token": csrf_from(client.get(url).text)})
    assert "Aucun justificatif n'attend de décision." in text_of(agent.get("/gestion/justificatifs"))


# --------------------------------------------------------------------------- the document and who sees it


def test_document_is_served_to_the_family_and_agents_only(world, client, absence, make_agent, caplog):
    login(client, world.parent)
    upload(client, world.lea, absence, tiny_pdf(), name="../../Certificat <Léa>; final.pdf")
    document = db.session.execute(select(Document)).scalar_one()
    assert document.original_name == "Certificat Léa final.pdf"

    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200 and response.data == tiny_pdf()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Certificat Lea final.pdf\"; filename*=UTF-8''Certificat%20L%C3%A9a%20final.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    assert f'href="/documents/{document.id}"' in client.get(f"/enfants/{world.lea.id}/absences").text

    assert "read by agent" not in caplog.text  # the family reading its own file is not logged
    agent = world.app.test_client()
    login(agent, the_agent := make_agent())
    with caplog.at_level("INFO"):
        assert agent.get(f"/documents/{document.id}").data == tiny_pdf()
    assert f"document {document.id} (family {document.family_id}) read by agent {the_agent.id}" in caplog.text

    other = world.app.test_client()
    login(other, world.other_parent)
    assert other.get(f"/documents/{document.id}").status_code == 404
    assert other.get("/documents/999999").status_code == 404

    anonymous = world.app.test_client().get(f"/documents/{document.id}")
    assert anonymous.status_code in (302, 404) and anonymous.data != tiny_pdf()
    if anonymous.status_code == 302:
        assert "/connexion" in anonymous.location
