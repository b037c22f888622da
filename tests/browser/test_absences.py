"""Absences in a real browser (demo commune, clock pinned to Monday 2026-11-23 10:00 Paris): Léa Martin's absences
page, the recap step, the result by date and slot, withdrawal, the certificate, and the agents' review.

With JavaScript on a phone (375 px): signal Wednesday 25 - Thursday 26 (Wednesday's bookings are locked: marked
absent; Thursday's are cancelled), modify, confirm, then withdraw it. With JavaScript off (`page_nojs`): the whole
journey of a child ill today: signal Monday 23 - Tuesday 24, confirm, withdraw the day still ahead, send a
certificate; the agent refuses it (reason required), the family sends another, the agent validates it. Every state
has no axe-core violation (WCAG 2.1 A/AA) and reflows at 320 x 256 CSS px.

The live server's database is shared by the whole browser session: reservations, absences, documents and audit
rows are put back as they were after each test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from absences_world import tiny_pdf, tiny_png
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, PARENT, check_page, login

PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def _demo_day(live_server):
    if live_server.clock().date() != dt.date(2026, 11, 23):
        pytest.skip("the absence journeys expect the default pinned clock (BROWSER_TEST_NOW unset)")


@pytest.fixture(autouse=True)
def _restored(live_server):
    """Put reservations, absences, documents and the audit trail back as they were (the demo is shared)."""
    from sqlalchemy import delete, func, insert, select

    from models import Absence, Document, DocumentFile, Reservation, ReservationChange

    bookings, absences = Reservation.__table__, Absence.__table__

    def snapshot(db):
        return ([dict(r) for r in db.session.execute(select(bookings)).mappings()],
                [dict(r) for r in db.session.execute(select(absences)).mappings()],
                db.session.execute(select(func.max(Document.id))).scalar() or 0,
                db.session.execute(select(func.max(ReservationChange.id))).scalar() or 0)

    rows, absence_rows, last_document, last_change = live_server.query(snapshot)
    yield

    def restore(db):
        db.session.execute(delete(bookings))
        db.session.execute(delete(absences))
        db.session.execute(insert(absences), absence_rows)
        db.session.execute(insert(bookings), rows)
        db.session.execute(delete(DocumentFile).where(DocumentFile.document_id > last_document))
        db.session.execute(delete(Document).where(Document.id > last_document))
        db.session.execute(delete(ReservationChange).where(ReservationChange.id > last_change))
        db.session.commit()

    live_server.query(restore)


def open_absences(page) -> None:
    """Léa's absences page, as a parent finds it: "Mon accueil", then "Signaler une absence de Léa"."""
    page.goto("/mon-accueil")
    page.get_by_role("link", name="Signaler une absence de Léa").click()
    expect(page.locator("h1")).to_have_text("Absences de Léa")


def fill_dates(page, start: str, end: str, reason: str = "") -> None:
    page.get_by_label(re.compile(r"^Du")).fill(start)
    page.get_by_label(re.compile(r"^Au")).fill(end)
    if reason:
        page.get_by_label(re.compile(r"^Motif")).fill(reason)
    page.get_by_role("button", name="Continuer").click()


def effects(page) -> list[str]:
    """The items of the lists by day, as a screen reader reads them ("Repas du lundi 23 novembre : annulé": the
    day is repeated, visually hidden, in each item)."""
    return [" ".join(t.split()) for t in page.locator("ul.effects > li").all_text_contents()]


# --------------------------------------------------------------------------- with JavaScript, on a phone


def test_absences_page_recap_result_and_withdrawal_on_a_phone(logged_in):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    open_absences(page)
    listing = page.locator(".absences")
    expect(listing).to_contain_text("Absence du jeudi 19 novembre au dimanche 22 novembre")
    expect(listing).to_contain_text("À justifier jusqu'au")
    check_page(page)

    absence = "l'absence du jeudi 19 novembre au dimanche 22 novembre"
    page.get_by_role("link", name=f"Envoyer un justificatif pour {absence}").click()
    expect(page.locator("h1")).to_have_text("Justifier l'absence de Léa")
    check_page(page)
    page.get_by_role("button", name="Envoyer le justificatif").click()  # no file: the error state
    expect(page).to_have_title(re.compile(r"^Erreur : Justifier l'absence de Léa"))
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page)
    page.get_by_role("link", name="Absences de Léa").click()

    fill_dates(page, "2026-11-18", "2026-11-18")  # Wednesday 18: its window closed last Friday at 24:00
    expect(page).to_have_title(re.compile(r"^Erreur : Absences de Léa"))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#start_date-error")).to_contain_text("Le mercredi 18 novembre est trop ancien")
    check_page(page)

    fill_dates(page, "2026-11-25", "2026-11-26", reason="Sortie en famille")
    expect(page.locator("h1")).to_have_text("Vérifier l'absence de Léa")
    assert effects(page) == [
        "Matin du mercredi 25 novembre : ne peut plus être annulé, sera marqué absent (facturé sauf justificatif "
        "validé)",
        "Repas du mercredi 25 novembre : ne peut plus être annulé, sera marqué absent (facturé sauf justificatif "
        "validé)",
        "Après-midi du mercredi 25 novembre : ne peut plus être annulé, sera marqué absent (facturé sauf "
        "justificatif validé)",
        "Repas du jeudi 26 novembre : sera annulé (non facturé)",
        "Accueil du soir du jeudi 26 novembre : sera annulé (non facturé)",
    ]
    check_page(page)

    page.get_by_role("button", name="Modifier les dates ou le motif").click()
    expect(page.locator("h1")).to_have_text("Absences de Léa")
    expect(page.get_by_label(re.compile(r"^Du"))).to_have_value("2026-11-25")
    expect(page.get_by_label(re.compile(r"^Motif"))).to_have_value("Sortie en famille")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Confirmer l'absence").click()

    expect(page.locator("h1")).to_have_text("Absence de Léa")
    expect(page.get_by_role("status")).to_contain_text(
        "Absence enregistrée du mercredi 25 novembre au jeudi 26 novembre. 2 réservations annulées. "
        "3 réservations marquées absentes.")
    assert effects(page)[0] == "Matin du mercredi 25 novembre : marqué absent (facturé sauf justificatif validé)"
    assert effects(page)[-1] == "Accueil du soir du jeudi 26 novembre : annulé"
    check_page(page)

    page.get_by_role("link", name="Retirer l'absence").click()
    expect(page.locator("h1")).to_have_text("Retirer l'absence de Léa")
    assert effects(page) == ["Matin du mercredi 25 novembre : de nouveau réservé",
                             "Repas du mercredi 25 novembre : de nouveau réservé",
                             "Après-midi du mercredi 25 novembre : de nouveau réservé"]
    check_page(page)
    page.get_by_role("button", name="Retirer l'absence").click()
    expect(page.get_by_role("status")).to_contain_text("Absence du mercredi 25 novembre au jeudi 26 novembre "
                                                       "retirée. 3 réservations sont de nouveau réservées.")
    expect(page.locator(".facts")).to_contain_text("Absence retirée le lundi 23 novembre à 10 h")
    check_page(page)


# --------------------------------------------------------------------------- without JavaScript, end to end


def test_whole_journey_without_javascript(page_nojs, new_page):
    page = page_nojs
    login(page, *PARENT)
    open_absences(page)

    fill_dates(page, "2026-11-23", "2026-11-24", reason="Fièvre")
    expect(page.locator("h1")).to_have_text("Vérifier l'absence de Léa")
    check_page(page)
    page.get_by_role("button", name="Confirmer l'absence").click()
    expect(page.locator("h1")).to_have_text("Absence de Léa")
    assert effects(page) == [
        "Accueil du matin du lundi 23 novembre : marqué absent (facturé sauf justificatif validé)",
        "Repas du lundi 23 novembre : marqué absent (facturé sauf justificatif validé)",
        "Accueil du soir du lundi 23 novembre : marqué absent (facturé sauf justificatif validé)",
        "Accueil du matin du mardi 24 novembre : annulé",
        "Repas du mardi 24 novembre : marqué absent (facturé sauf justificatif validé)",
        "Accueil du soir du mardi 24 novembre : annulé",
    ]
    check_page(page)

    # Léa is better: Tuesday goes back to reserved (its meal), Monday stays absent.
    page.get_by_role("link", name="Retirer l'absence").click()
    expect(page.locator("main")).to_contain_text("Vous pouvez retirer les jours à partir du mardi 24 novembre")
    check_page(page)
    page.get_by_role("button", name="Retirer les jours à venir").click()
    expect(page.get_by_role("status")).to_contain_text("elle se termine maintenant le lundi 23 novembre")
    expect(page.get_by_role("link", name="Retirer l'absence")).to_have_count(0)

    # The certificate: the error state, then sent; it waits for the agents.
    page.get_by_role("link", name="Envoyer un justificatif").click()
    expect(page.locator("h1")).to_have_text("Justifier l'absence de Léa")
    check_page(page)
    page.get_by_role("button", name="Envoyer le justificatif").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Justifier l'absence de Léa"))
    check_page(page)
    send_certificate(page, tiny_pdf(), "certificat.pdf")
    expect(page.locator(".facts")).to_contain_text("en attente de validation par le service Enfance")
    check_page(page)

    agent = new_page(java_script_enabled=False)
    login(agent, *AGENT)
    agent.get_by_role("link", name="Justificatifs à valider").click()
    expect(agent.locator("h1")).to_have_text("Justificatifs à valider")
    check_page(agent)
    agent.get_by_role("link", name="Examiner le justificatif de Léa Martin").click()
    expect(agent.locator("main")).to_contain_text("Repas du lundi 23 novembre : absence signalée")
    check_page(agent)
    agent.get_by_role("button", name="Refuser le justificatif").click()  # no reason: the error state
    expect(agent).to_have_title(re.compile(r"^Erreur : Justificatif de Léa Martin"))
    expect(agent.locator("#refusal_reason-error")).to_contain_text("Saisissez le motif du refus")
    check_page(agent)
    agent.get_by_label(re.compile(r"^Motif du refus")).fill("Le certificat n'est pas signé.")
    agent.get_by_role("button", name="Refuser le justificatif").click()
    expect(agent.get_by_role("status")).to_contain_text("La famille a reçu le motif par e-mail.")

    page.goto("/mon-accueil")
    expect(page.locator(".todo")).to_contain_text("Envoyer un autre justificatif pour l'absence de Léa")
    check_page(page)
    page.get_by_role("link", name="Envoyer un autre justificatif pour l'absence de Léa").click()
    expect(page.locator("main")).to_contain_text("Motif : Le certificat n'est pas signé.")
    check_page(page)
    send_certificate(page, tiny_png(), "certificat-signe.png")

    agent.goto("/gestion/justificatifs")
    agent.get_by_role("link", name="Examiner le justificatif de Léa Martin").click()
    expect(agent.locator("main")).to_contain_text("(précédent justificatif)")
    agent.get_by_role("button", name="Valider le justificatif").click()
    expect(agent.get_by_role("status")).to_contain_text("3 réservations passent en « absence justifiée ».")
    check_page(agent)

    page.reload()
    expect(page.locator(".facts")).to_contain_text("Absence justifiée : justificatif validé le lundi 23 novembre")
    check_page(page)


def send_certificate(page, content: bytes, name: str) -> None:
    page.get_by_label(re.compile(r"^Certificat médical ou justificatif")).set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}])
    page.get_by_role("button", name="Envoyer le justificatif").click()
    expect(page.get_by_role("status")).to_contain_text("Justificatif reçu.")
