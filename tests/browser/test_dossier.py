"""Dossier famille and démarches in a real browser (demo commune, clock pinned to Monday 2026-11-23 10:00 Paris).

On a phone (375 px) with JavaScript: Sophie Martin changes the family's address from "Ma famille" through the
démarche (start, a step in error, the next step, the recap with its "Modifier" link, the attestation), gets her
number; the agent opens it in the queue, sees the comparison and accepts; Sophie sees the new address and the request
accepted. Without JavaScript: the inscription administrative with its two documents, then the agent accepts it.
Every state has no axe-core violation (WCAG 2.1 A/AA) and reflows at 320 px; the demo's requests in every status,
Mes demandes, the agents' pages (queue, démarches, health data) too.

The live server's database is shared by the whole browser session: the family files, requests, documents and
journals are put back as they were after each test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from absences_world import tiny_pdf, tiny_png
from playwright.sync_api import expect

from tests.browser.helpers import (
    AGENT,
    PARENT,
    check_page,
    login,
    open_menu,
)

PHONE = {"width": 375, "height": 740}
ADMIN = ("admin@example.org", AGENT[1])


@pytest.fixture(autouse=True)
def _demo_day(live_server):
    if live_server.clock().date() != dt.date(2026, 11, 23):
        pytest.skip("the dossier journeys expect the default pinned clock (BROWSER_TEST_NOW unset)")


RESTORED = ("procedure_attachment", "procedure_event", "procedure_request", "procedure_counter", "child_health",
            "authorisation", "enrollment")
GROWING = ("document_file", "document", "family_change", "health_access", "person")


@pytest.fixture(autouse=True)
def _restored(live_server):
    """Put the family files, requests and their journals back as they were (the demo is shared)."""
    from sqlalchemy import delete, func, insert, select, update

    from models import Family, Person, User, db

    tables = {name: db.metadata.tables[name] for name in RESTORED + GROWING}

    def snapshot(db):
        rows = {name: [dict(r) for r in db.session.execute(select(tables[name])).mappings()] for name in RESTORED}
        last = {name: db.session.execute(select(func.max(tables[name].c.id))).scalar() or 0 for name in GROWING}
        people = [dict(r) for r in db.session.execute(select(Person.__table__)).mappings()]
        families = [dict(r) for r in db.session.execute(select(Family.__table__)).mappings()]
        users = [dict(r) for r in db.session.execute(select(User.id, User.can_see_health)).mappings()]
        return rows, last, people, families, users

    rows, last, people, families, users = live_server.query(snapshot)
    yield

    def restore(db):
        for name in RESTORED:
            db.session.execute(delete(tables[name]))
        for name in GROWING:
            db.session.execute(delete(tables[name]).where(tables[name].c.id > last[name]))
        for name in reversed(RESTORED):
            if rows[name]:
                db.session.execute(insert(tables[name]), rows[name])
        for row in people:
            db.session.execute(update(Person.__table__).where(Person.__table__.c.id == row["id"]).values(**row))
        for row in families:
            db.session.execute(update(Family.__table__).where(Family.__table__.c.id == row["id"]).values(**row))
        for row in users:
            db.session.execute(update(User.__table__).where(User.__table__.c.id == row["id"]).values(**row))
        db.session.commit()

    live_server.query(restore)


# --------------------------------------------------------------------------- with JavaScript, on a phone


def test_address_change_recap_number_agent_accepts_parent_sees_it(logged_in, new_page):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.goto("/mon-accueil")
    expect(page.locator("#requests-title")).to_have_text("Dernières demandes")
    check_page(page)
    open_menu(page)
    page.get_by_role("link", name="Ma famille", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Ma famille")
    check_page(page)
    page.get_by_role("link", name="Changer d'adresse ou de coordonnées de Sophie Martin").click()
    expect(page.locator("h1")).to_have_text("Changement de coordonnées")
    check_page(page)
    page.get_by_role("button", name="Commencer").click()

    expect(page.locator("h1")).to_have_text("Adresse de la famille")
    expect(page.locator(".step-count")).to_contain_text("Étape 1 sur 2")
    check_page(page)
    page.get_by_label(re.compile(r"^Numéro et rue")).fill("")
    page.get_by_label(re.compile(r"^Code postal")).fill("499")
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Adresse de la famille"))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#postcode-error")).to_contain_text("Un code postal a 5 chiffres")
    check_page(page)
    page.get_by_label(re.compile(r"^Numéro et rue")).fill("27 rue de l'Œuvre")
    page.get_by_label(re.compile(r"^Code postal")).fill("49999")
    page.get_by_role("button", name="Continuer").click()

    expect(page.locator("h1")).to_have_text("Téléphones et adresse e-mail")
    check_page(page)
    page.get_by_label(re.compile(r"^Autre téléphone")).fill("+33 (0)2 61 91 00 55")
    page.get_by_role("button", name="Continuer").click()

    expect(page.locator("h1")).to_have_text("Le récapitulatif")
    expect(page.locator("main")).to_contain_text("27 rue de l'Œuvre")
    expect(page.locator("main")).to_contain_text("02 61 91 00 55")
    check_page(page)
    page.get_by_role("link", name="Modifier : Adresse", exact=True).click()
    expect(page.locator("h1")).to_have_text("Adresse de la famille")
    page.get_by_label(re.compile(r"^Numéro et rue")).fill("29 rue de l'Œuvre")
    page.get_by_role("button", name="Enregistrer et revenir au récapitulatif").click()
    expect(page.locator("h1")).to_have_text("Le récapitulatif")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Le récapitulatif"))
    expect(page.locator("#attest-error")).to_contain_text("Cochez la case")
    check_page(page)
    page.get_by_label(re.compile(r"^J'atteste sur l'honneur")).check()
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.locator("h1")).to_have_text("Demande envoyée")
    number = page.locator(".panel-number").inner_text()
    assert re.fullmatch(r"Demande n° 2026-0000\d\d", number), number
    check_page(page)

    agent = new_page(viewport=PHONE)
    login(agent, *AGENT)
    agent.goto("/gestion/demandes")
    check_page(agent)
    agent.get_by_label("État").select_option("submitted")
    agent.get_by_role("button", name="Filtrer").click()
    agent.get_by_role("link", name=number.removeprefix("Demande n° ")).click()
    expect(agent.locator("h1")).to_have_text(number)
    expect(agent.locator("table.compare").first).to_contain_text("29 rue de l'Œuvre")
    check_page(agent)
    agent.get_by_role("button", name=f"Accepter la demande n° {number.removeprefix('Demande n° ')}").click()
    expect(agent.get_by_role("status")).to_contain_text("le dossier de la famille est mis à jour")
    check_page(agent)

    page.goto("/ma-famille")
    expect(page.locator("main")).to_contain_text("29 rue de l'Œuvre, 49999 Démo-sur-Loire")
    page.goto("/demandes")
    page.get_by_role("link", name=re.compile(number)).click()
    expect(page.locator(".status").first).to_have_text("Acceptée")
    check_page(page)


def test_mes_demandes_and_every_status_of_the_demo(logged_in):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.goto("/demandes")
    expect(page.locator("h1")).to_have_text("Mes demandes")
    check_page(page)
    page.get_by_label("État").select_option("incomplete")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#results-count")).to_have_text("1 demande avec ces filtres")
    expect(page.get_by_role("status")).to_contain_text("1 demande avec ces filtres")  # htmx: said in the live region
    page.locator(".request-title a").first.click()
    expect(page.locator("main")).to_contain_text("Merci de joindre le PAI signé")
    check_page(page)
    page.get_by_role("link", name="Compléter la demande").click()
    expect(page.locator("h1")).to_have_text("Le récapitulatif")
    check_page(page)
    for status in ("draft", "submitted", "in_progress", "accepted", "refused"):
        page.goto(f"/demandes?statut={status}")
        page.locator(".request-title a").first.click()
        expect(page.locator("h1")).to_be_visible()
        check_page(page)
    page.goto("/demarches")
    check_page(page)


# --------------------------------------------------------------------------- without JavaScript


def test_inscription_administrative_with_two_documents_without_javascript(page_nojs, new_page):
    page = page_nojs
    page.set_viewport_size(PHONE)
    login(page, *PARENT)
    page.goto("/ma-famille")
    page.get_by_role("link", name="Faire l'inscription administrative 2026-2027").click()
    expect(page.locator("h1")).to_have_text("Inscription administrative")
    expect(page.locator("main")).to_contain_text("Justificatif de domicile de moins de 3 mois")
    check_page(page)
    page.get_by_role("button", name="Commencer").click()
    for title in ("Vos coordonnées", "Vos enfants", "Personnes autorisées", "Santé", "Autorisations",
                  "Allocataire et quotient familial"):
        expect(page.locator("h1")).to_have_text(title)
        check_page(page)
        page.get_by_role("button", name="C'est à jour, continuer").click()

    expect(page.locator("h1")).to_have_text("Pièces justificatives")
    check_page(page)
    page.get_by_label(re.compile(r"^Justificatif de domicile")).set_input_files(
        files=[{"name": "facture-electricite.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}])
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Pièces justificatives"))
    expect(page.locator(".error-summary")).to_contain_text("Joignez le document : Attestation d'assurance")
    check_page(page)
    page.get_by_label(re.compile(r"^Justificatif de domicile")).set_input_files(
        files=[{"name": "facture-electricite.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}])
    page.get_by_label(re.compile(r"^Attestation d'assurance")).set_input_files(
        files=[{"name": "assurance.png", "mimeType": "image/png", "buffer": tiny_png()}])
    page.get_by_role("button", name="Continuer").click()

    expect(page.locator("h1")).to_have_text("Le récapitulatif")
    expect(page.locator("main")).to_contain_text("facture-electricite.pdf")
    expect(page.locator("main")).to_contain_text("assurance.png")
    check_page(page)
    page.get_by_label(re.compile(r"^J'atteste sur l'honneur")).check()
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator("h1")).to_have_text("Demande envoyée")
    number = page.locator(".panel-number").inner_text().removeprefix("Demande n° ")
    check_page(page)

    agent = new_page(java_script_enabled=False, viewport=PHONE)
    login(agent, *AGENT)
    agent.goto("/gestion/demandes?statut=submitted")
    agent.get_by_role("link", name=number).click()
    expect(agent.locator("main")).to_contain_text("assurance.png")
    check_page(agent)
    agent.get_by_role("button", name=f"Accepter la demande n° {number}").click()
    expect(agent.get_by_role("status")).to_contain_text("acceptée")

    page.goto("/ma-famille")
    expect(page.locator("main")).to_contain_text("Inscription administrative 2026-2027 : faite.")
    check_page(page)


def test_agents_pages(new_page, live_server):
    agent = new_page(viewport=PHONE)
    login(agent, *AGENT)
    agent.goto("/gestion/")
    check_page(agent)
    agent.goto("/gestion/demandes?statut=in_progress")
    agent.locator("table a").first.click()
    expect(agent.locator("h2", has_text="Décision")).to_be_visible()
    check_page(agent)
    agent.goto("/gestion/demandes?statut=incomplete")
    agent.locator("table a").first.click()
    expect(agent.locator("main")).to_contain_text("Données de santé : accès réservé")
    check_page(agent)
    agent.get_by_role("link", name=re.compile("^Famille Martin")).click()
    expect(agent.locator("main")).to_contain_text("Données de santé : accès réservé.")
    check_page(agent)
    agent.goto("/gestion/demarches")
    check_page(agent)
    agent.get_by_role("link", name="Régimes alimentaires proposés").click()
    agent.get_by_label(re.compile(r"^Nouveau régime")).fill("Halal")
    agent.get_by_role("button", name="Ajouter ce régime").click()
    expect(agent.locator("#label-error")).to_contain_text("jamais une religion")
    check_page(agent)
    agent.goto("/gestion/demarches")
    agent.get_by_role("link", name="Inscription administrative").click()
    check_page(agent)
    agent.get_by_label(re.compile(r"^Année scolaire")).fill("2026/2027")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent).to_have_title(re.compile(r"^Erreur : "))
    check_page(agent)

    admin = new_page(viewport=PHONE)
    login(admin, *ADMIN)
    admin.goto("/gestion/agents-sante")
    check_page(admin)
    admin.get_by_role("button", name="Donner l'accès : Agent du Service Enfance").click()
    expect(admin.get_by_role("status")).to_contain_text("peut maintenant lire les données de santé")
    agent.goto("/gestion/demandes?statut=incomplete")
    agent.locator("table a").first.click()
    expect(agent.locator("main")).to_contain_text("Arachides, fruits à coque et kiwi")
    check_page(agent)
    admin.goto("/gestion/acces-sante")
    expect(admin.locator("main")).to_contain_text("Léa Martin")
    check_page(admin)
