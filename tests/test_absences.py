"""Absences: signal a date range (cancel what can be, "absence signalée" for the rest), justify it with a
certificate checked by content, and the document served only to its family and to agents."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import PASSWORD, csrf_from, enroll, outbox

from models import (
    Absence,
    DeadlinePolicy,
    Document,
    Reservation,
    ReservationChange,
    Unit,
    db,
)

UTC = dt.timezone.utc
# Wednesday 18 November 2026, 19:00 in Paris: Thursday's bookings closed at 18:00, Friday's are still open.
NOW = dt.datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
WED, THU, FRI, MON, TUE, NEXT_THU = (dt.date(2026, 11, d) for d in (18, 19, 20, 23, 24, 26))


# --------------------------------------------------------------------------- real small files


def tiny_pdf() -> bytes:
    """A valid one-page PDF (objects, cross-reference table, trailer)."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)


def tiny_png() -> bytes:
    """A valid 1x1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(
        b"IEND", b"")


def tiny_jpeg() -> bytes:
    """A valid 8x8 grey baseline JPEG: one quantisation table, one-code Huffman tables, one block (DC 0, EOB)."""
    def segment(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data

    one_code = bytes([1] + [0] * 15) + b"\x00"  # a single code of length 1, for symbol 0
    return (b"\xff\xd8" + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f" + b"\xff\xd9")


# --------------------------------------------------------------------------- fixtures


def login(client, user) -> None:
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302


@pytest.fixture
def world(app, make_family, make_activity):
    """Léa (Martin) and Chloé (Bernard) share a canteen with one place a day; cancel until the day before 18:00."""
    app.config["CLOCK"] = lambda: NOW
    policy = DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))
    db.session.add(policy)
    db.session.flush()
    activity, unit, period = make_activity(capacity=1, booking_policy_id=policy.id, cancel_policy_id=policy.id)
    martin, parent, (lea,) = make_family("Martin", children=("Léa",))
    bernard, other_parent, (chloe,) = make_family("Bernard", children=("Chloé",))
    enroll(lea, activity, period)
    enroll(chloe, activity, period)
    w = type("World", (), {})()
    w.app, w.activity, w.unit, w.period = app, activity, unit, period
    w.martin, w.parent, w.lea, w.bernard, w.other_parent, w.chloe = martin, parent, lea, bernard, other_parent, chloe
    return w


def book(child, unit, day, state="reserved", at=dt.datetime(2026, 10, 1, 8, 0, tzinfo=UTC)) -> Reservation:
    row = Reservation(child_id=child.id, unit_id=unit.id, date=day, state=state, requested_at=at)
    db.session.add(row)
    db.session.commit()
    return row


def states(child) -> dict[dt.date, str]:
    db.session.expire_all()
    rows = db.session.execute(select(Reservation).where(Reservation.child_id == child.id)).scalars()
    return {r.date: r.state for r in rows}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def signal(client, child, start, end, reason="", token=True):
    page = client.get(f"/enfants/{child.id}/absences")
    data = {"start_date": start, "end_date": end, "reason": reason}
    if token:
        data["csrf_token"] = csrf_from(page.text)
    return client.post(f"/enfants/{child.id}/absences", data=data)


@pytest.fixture
def absence(world):
    """Léa absent from Thursday to Sunday, signalled too late to cancel Thursday and Friday (kept as absent)."""
    row = Absence(child_id=world.lea.id, start_date=THU, end_date=dt.date(2026, 11, 22), reason="Malade",
                  created_at=NOW, created_by_id=world.parent.id)
    db.session.add(row)
    db.session.flush()
    for day in (THU, FRI):
        db.session.add(Reservation(child_id=world.lea.id, unit_id=world.unit.id, date=day, state="absent",
                                   absence_id=row.id, requested_at=NOW))
    db.session.commit()
    return row


def upload(client, child, absence, content: bytes, name="certificat.pdf", mimetype="application/pdf", token=True):
    url = f"/enfants/{child.id}/absences/{absence.id}/justificatif"
    page = client.get(url)
    data = {"certificate": (io.BytesIO(content), name, mimetype)}
    if token:
        data["csrf_token"] = csrf_from(page.text)
    return client.post(url, data=data, content_type="multipart/form-data")


def uploaded_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- signalling


def test_signal_cancels_what_can_be_and_keeps_the_rest_as_absent(world, client):
    book(world.lea, world.unit, THU)
    book(world.lea, world.unit, FRI)
    book(world.lea, world.unit, MON)
    book(world.chloe, world.unit, TUE)
    book(world.lea, world.unit, TUE, state="waiting")
    book(world.chloe, world.unit, FRI, state="waiting")  # the day is full: Léa's place goes to Chloé
    book(world.lea, world.unit, NEXT_THU)
    login(client, world.parent)

    response = signal(client, world.lea, WED.isoformat(), "24/11/2026", reason="Varicelle")

    assert response.status_code == 302 and response.location.endswith(f"/enfants/{world.lea.id}/absences")
    absence = db.session.execute(select(Absence)).scalar_one()
    assert (absence.start_date, absence.end_date, absence.reason) == (WED, TUE, "Varicelle")
    assert states(world.lea) == {THU: "absent", NEXT_THU: "reserved"}
    assert db.session.execute(select(Reservation.absence_id).where(Reservation.date == THU)).scalar() == absence.id
    assert states(world.chloe) == {FRI: "reserved", TUE: "reserved"}
    changes = {(c.child_id, c.date, c.before, c.after, c.via, c.reason, c.actor_id)
               for c in db.session.execute(select(ReservationChange)).scalars()}
    lea, parent = world.lea.id, world.parent.id
    assert changes == {
        (lea, THU, "reserved", "absent", "portal", "Absence signalée", parent),
        (lea, FRI, "reserved", None, "portal", "Absence signalée", parent),
        (lea, MON, "reserved", None, "portal", "Absence signalée", parent),
        (lea, TUE, "waiting", None, "portal", "Absence signalée", parent),
        (world.chloe.id, FRI, "waiting", "reserved", "system", "Place libérée : inscription depuis la liste d'attente",
         None),
    }
    assert [m["To"] for m in outbox(world.app)] == [world.other_parent.email]

    page = html.unescape(client.get(response.location).text)
    assert "Absence enregistrée du mercredi 18 novembre au mardi 24 novembre." in page
    assert "2 réservations annulées." in page
    assert "1 demande retirée de la liste d'attente." in page
    assert "1 réservation ne pouvait plus être annulée : elle passe en « absence signalée »." in page
    assert "À justifier jusqu'au jeudi 26 novembre à 23 h 59" in page
    month = client.get(f"/enfants/{world.lea.id}/agenda/2026-11").text
    assert "Absence signalée" in month and f'href="/enfants/{world.lea.id}/absences"' in month


def test_a_meal_is_cancelled_before_the_half_day_it_needs(world, client, make_activity):
    activity, morning, period = make_activity(code="alsh", slot="morning", label="Matin", weekdays="2")
    meal = Unit(activity_id=activity.id, slot="meal", label="Repas", weekdays="2", requires_one_of=str(morning.id))
    db.session.add(meal)
    db.session.commit()
    enroll(world.lea, activity, period)
    wednesday = dt.date(2026, 11, 25)
    book(world.lea, morning, wednesday)
    book(world.lea, meal, wednesday)
    login(client, world.parent)

    response = signal(client, world.lea, wednesday.isoformat(), wednesday.isoformat())

    assert response.status_code == 302 and states(world.lea) == {}
    assert "2 réservations annulées." in client.get(response.location).text


def test_nothing_booked_is_said_plainly(world, client):
    login(client, world.parent)
    response = signal(client, world.lea, "2026-12-01", "2026-12-01")
    page = html.unescape(client.get(response.location).text)
    assert "Absence enregistrée le mardi 1er décembre. Aucune réservation n'était prévue sur ces dates." in page
    assert "Rien à justifier" in page and "Envoyer un justificatif" not in page


@pytest.mark.parametrize("start, end, reason, field, message", [
    ("", "", "", "start_date", "Saisissez le premier jour de l'absence."),
    ("2026-11-20", "", "", "end_date", "Saisissez le dernier jour de l'absence."),
    ("2026-13-45", "2026-11-20", "", "start_date", "La date de début n'est pas une date valide."),
    ("2026-11-20", "demain", "", "end_date", "La date de fin n'est pas une date valide."),
    ("2026-11-20", "2026-11-19", "", "end_date",
     "La date de fin doit être le même jour que la date de début ou après."),
    ("2026-11-18", "2027-01-19", "", "end_date", "L'absence dure plus de 62 jours."),
    ("2026-11-17", "2026-11-18", "", "start_date", "La date de début est passée."),
    ("2026-11-19", "2026-11-20", "x" * 301, "reason", "Le motif doit contenir au plus 300 caractères."),
])
def test_invalid_absence_says_why_next_to_the_field_and_saves_nothing(world, client, start, end, reason, field,
                                                                      message):
    book(world.lea, world.unit, FRI)
    login(client, world.parent)

    response = signal(client, world.lea, start, end, reason)

    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "<title>Erreur : " in page
    assert re.search(rf'<p class="field-error" id="{field}-error">.*?{re.escape(message)}', page)
    assert f'<a href="#{field}">{message}' in page  # same words in the error summary
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"|<input[^>]*id="{field}"[^>]*aria-invalid',
                     page)
    assert count(Absence) == 0 and count(ReservationChange) == 0
    assert states(world.lea) == {FRI: "reserved"}


def test_the_longest_range_is_accepted(world, client):
    login(client, world.parent)
    assert signal(client, world.lea, "2026-11-18", "2027-01-18").status_code == 302
    assert count(Absence) == 1


def test_form_has_labels_hints_and_a_date_range_fieldset(world, client):
    login(client, world.parent)
    page = html.unescape(client.get(f"/enfants/{world.lea.id}/absences").text)
    assert "<legend>Dates de l'absence</legend>" in page
    assert re.search(r'<input[^>]*type="date"', page)
    assert '<label for="start_date">Du' in page and '<label for="end_date">Au' in page
    assert 'aria-describedby="start_date-hint"' in page
    assert "contactez le service Enfance" in page


def test_post_without_csrf_is_refused(world, client, absence):
    login(client, world.parent)
    assert signal(client, world.lea, "2026-11-19", "2026-11-20", token=False).status_code == 400
    assert upload(client, world.lea, absence, tiny_pdf(), token=False).status_code == 400
    assert count(Absence) == 1 and count(Document) == 0


# --------------------------------------------------------------------------- justification


@pytest.mark.parametrize("content, name, content_type", [
    (tiny_pdf(), "Certificat médical.pdf", "application/pdf"),
    (tiny_png(), "photo.PNG", "image/png"),
    (tiny_jpeg(), "scan.jpeg", "image/jpeg"),
], ids=["pdf", "png", "jpeg"])
def test_a_certificate_justifies_the_absence(world, client, absence, content, name, content_type):
    login(client, world.parent)

    response = upload(client, world.lea, absence, content, name=name, mimetype="application/octet-stream")

    assert response.status_code == 302
    document = db.session.execute(select(Document)).scalar_one()
    assert (document.family_id, document.child_id, document.kind) == (world.martin.id, world.lea.id,
                                                                      "justificatif_absence")
    assert document.content_type == content_type and document.size == len(content)
    assert document.original_name.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]
    db.session.refresh(absence)
    assert absence.document_id == document.id and absence.justified_at == NOW
    assert states(world.lea) == {THU: "justified", FRI: "justified"}
    audit = db.session.execute(select(ReservationChange.before, ReservationChange.after)).all()
    assert sorted(audit) == [("absent", "justified")] * 2
    (stored,) = uploaded_files(world.app)
    assert stored.read_bytes() == content and stored.name == document.stored_name
    assert name.rsplit(".", 1)[0] not in stored.name
    assert Path(world.app.instance_path) in stored.parents
    assert Path(world.app.static_folder) not in stored.parents
    page = client.get(response.location).text
    assert "Justificatif reçu" in page and "2 réservations passent en « absence justifiée »." in page
    assert "Justifiée le mercredi 18 novembre à 19 h" in page


def test_a_text_file_named_pdf_is_refused(world, client, absence):
    login(client, world.parent)

    response = upload(client, world.lea, absence, b"Ceci n'est pas un certificat.\n", name="certificat.pdf")

    assert response.status_code == 200
    assert re.search(r'id="certificate-error">.*Le fichier n.est pas un PDF, un JPEG ou un PNG', response.text)
    assert count(Document) == 0 and uploaded_files(world.app) == []
    assert states(world.lea) == {THU: "absent", FRI: "absent"}


def test_a_file_over_5_mb_is_refused_next_to_the_field(world, client, absence):
    login(client, world.parent)
    big = b"%PDF-1.4\n" + b"0" * world.app.config["UPLOAD_MAX_BYTES"]

    response = upload(client, world.lea, absence, big)

    assert response.status_code == 200
    assert re.search(r'id="certificate-error">.*Le fichier dépasse 5 Mo', response.text)
    assert count(Document) == 0 and uploaded_files(world.app) == []


def test_the_upload_form_says_what_it_takes(world, client, absence):
    login(client, world.parent)
    page = client.get(f"/enfants/{world.lea.id}/absences/{absence.id}/justificatif").text
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input[^>]*accept=".pdf,.jpg,.jpeg,.png"[^>]*type="file"|type="file"[^>]*accept=', page)
    assert "Certificat médical ou justificatif" in page and "PDF, JPEG ou PNG, 5 Mo au maximum." in page
    assert "À justifier jusqu'au mardi 24 novembre à 23 h 59" in html.unescape(page)


def test_too_late_to_justify(world, client, absence):
    world.app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # Wednesday 25, 00:00 Paris
    login(client, world.parent)

    assert "Délai de justification dépassé" in client.get(f"/enfants/{world.lea.id}/absences").text
    response = upload(client, world.lea, absence, tiny_pdf())

    assert response.status_code == 200
    assert "Le délai pour justifier cette absence est dépassé depuis le mercredi 25 novembre à 0 h" in response.text
    assert "<title>Erreur : " in response.text
    assert count(Document) == 0 and uploaded_files(world.app) == []
    assert states(world.lea) == {THU: "absent", FRI: "absent"}


def test_the_activity_window_overrides_the_communes(world, client, absence):
    world.activity.absence_justification_hours = 72
    db.session.commit()
    world.app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    login(client, world.parent)
    assert upload(client, world.lea, absence, tiny_pdf()).status_code == 302
    assert states(world.lea) == {THU: "justified", FRI: "justified"}


def test_a_justified_absence_takes_no_second_certificate(world, client, absence):
    login(client, world.parent)
    assert upload(client, world.lea, absence, tiny_pdf()).status_code == 302
    response = client.get(f"/enfants/{world.lea.id}/absences/{absence.id}/justificatif")
    assert "Cette absence est déjà justifiée" in response.text and 'type="file"' not in response.text


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


def test_other_familys_child_and_absence_are_404_everywhere(world, client, absence):
    theirs = Absence(child_id=world.chloe.id, start_date=THU, end_date=THU, created_at=NOW)
    db.session.add(theirs)
    db.session.commit()
    login(client, world.parent)
    token = csrf_from(client.get(f"/enfants/{world.lea.id}/absences").text)
    chloe, lea = world.chloe.id, world.lea.id

    assert client.get(f"/enfants/{chloe}/absences").status_code == 404
    assert client.post(f"/enfants/{chloe}/absences", data={"csrf_token": token, "start_date": "2026-11-19",
                                                          "end_date": "2026-11-19"}).status_code == 404
    for child_id, absence_id in ((chloe, theirs.id), (lea, theirs.id), (chloe, absence.id), (lea, 999999)):
        url = f"/enfants/{child_id}/absences/{absence_id}/justificatif"
        assert client.get(url).status_code == 404
        data = {"csrf_token": token, "certificate": (io.BytesIO(tiny_pdf()), "c.pdf")}
        assert client.post(url, data=data, content_type="multipart/form-data").status_code == 404
    assert count(Absence) == 2 and count(Document) == 0
