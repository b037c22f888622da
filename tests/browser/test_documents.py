"""Pièces justificatives in a real browser (demo commune, clock pinned to Monday 2026-11-23 10:00 Paris): the Martin
family's documents in every state, the upload form of several pages, a replacement, a deletion; the agents' queue,
a document's review (refusal without a reason, then with one; validation), the document types.

With JavaScript on a phone (375 px): the family's journey from "Mon accueil". With JavaScript off (`page_nojs`): a
new document of two pages for a child, then the agent's review and the types pages. Every state has no axe-core
violation (WCAG 2.1 A/AA) and reflows at 320 x 256 CSS px.

The live server's database is shared by the whole browser session: documents and their files' rows are put back as
they were after each test.
"""

from __future__ import annotations

import re

import pytest
from absences_world import tiny_pdf, tiny_png
from playwright.sync_api import expect

from tests.browser.helpers import (
    AGENT,
    PARENT,
    check_page,
    login,
    restore_tables,
    table_snapshot,
)

PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def _restored(live_server):
    """Put the documents (and their pages' rows) back as they were: the demo is shared."""
    from models import Document, DocumentFile

    tables = (Document.__table__, DocumentFile.__table__)
    saved = live_server.query(lambda db: table_snapshot(db, tables))
    yield
    live_server.query(lambda db: restore_tables(db, tables, saved))


FILES = [{"name": "recto.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()},
         {"name": "verso.png", "mimeType": "image/png", "buffer": tiny_png()}]


def test_the_familys_documents_replace_and_delete_on_a_phone(logged_in):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.goto("/mon-accueil")
    page.get_by_role("link", name="Mes pièces justificatives").click()
    expect(page.locator("h1")).to_have_text("Mes pièces justificatives")
    listing = page.locator("main")
    for words in ("Valide — Valide jusqu'au", "Expire bientôt — Valide jusqu'au", "Expirée — Elle était valide",
                  "En attente de vérification — Déposée le", "Refusée — Refusée le"):
        expect(listing).to_contain_text(words)
    expect(listing).to_contain_text("Motif : Il manque la deuxième page de l'avis d'imposition")
    check_page(page)

    page.get_by_role("link", name="Envoyer une pièce plus récente : Avis d'imposition").click()
    expect(page.locator("h1")).to_have_text("Remplacer une pièce")
    expect(page.locator("main")).to_contain_text("Vous envoyez une pièce plus récente pour : Avis d'imposition")
    check_page(page)
    page.get_by_role("button", name="Envoyer la nouvelle pièce").click()  # no date, no file: the error state
    expect(page).to_have_title(re.compile(r"^Erreur : Remplacer une pièce"))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#files-error")).to_contain_text("Choisissez le ou les fichiers de la pièce")
    expect(page.locator("#document_date-error")).to_contain_text("Saisissez la date écrite sur le document")
    check_page(page)

    page.get_by_label(re.compile(r"^Date du document")).fill("2026-09-15")
    page.get_by_label(re.compile(r"^Fichiers de la pièce")).set_input_files(FILES)
    page.get_by_role("button", name="Envoyer la nouvelle pièce").click()
    expect(page.locator("h1")).to_have_text("Avis d'imposition")
    expect(page.locator("#status")).to_contain_text("Pièce déposée : Avis d'imposition.")
    expect(page.locator("main")).to_contain_text("Elle sera valide jusqu'au 14 septembre 2027.")
    expect(page.locator("ol.pages > li")).to_have_count(2)
    check_page(page)

    page.get_by_role("link", name="Supprimer cette pièce").click()
    expect(page.locator("h1")).to_have_text("Supprimer une pièce")
    check_page(page)
    page.get_by_role("button", name="Supprimer la pièce").click()
    expect(page.locator("h1")).to_have_text("Mes pièces justificatives")
    expect(page.locator("#status")).to_contain_text("Pièce supprimée : Avis d'imposition.")


def test_a_new_document_and_its_review_without_javascript(new_page, page_nojs):
    page = page_nojs
    login(page, *PARENT)
    page.goto("/pieces")
    page.get_by_role("link", name="Déposer une pièce").click()
    expect(page.locator("h1")).to_have_text("Déposer une pièce")
    check_page(page)
    page.get_by_label("Carnet de vaccination").check()
    page.get_by_role("button", name="Déposer la pièce").click()  # no child, no file
    expect(page).to_have_title(re.compile(r"^Erreur : Déposer une pièce"))
    expect(page.locator("#child_id-error")).to_contain_text("Choisissez l'enfant concerné")
    check_page(page)
    page.get_by_label(re.compile(r"^Enfant concerné")).select_option(label="Léa Martin")
    page.get_by_label(re.compile(r"^Fichiers de la pièce")).set_input_files(FILES)
    page.get_by_role("button", name="Déposer la pièce").click()
    expect(page.locator("h1")).to_have_text("Carnet de vaccination de Léa")
    expect(page.locator("main")).to_contain_text("En attente de vérification")
    check_page(page)

    agent = new_page(java_script_enabled=False)
    login(agent, *AGENT)
    agent.goto("/gestion/")
    expect(agent.locator("main")).to_contain_text("3 pièces justificatives attendent une décision.")
    agent.get_by_role("link", name="Pièces à valider").first.click()
    expect(agent.locator("h1")).to_have_text("Pièces à valider")
    check_page(agent)
    agent.get_by_role("link", name="Examiner Carnet de vaccination de Léa, famille Martin").click()
    expect(agent.locator("h1")).to_have_text("Carnet de vaccination de Léa, famille Martin")
    expect(agent.locator("img.page-preview")).to_have_count(1)
    check_page(agent)
    agent.get_by_role("button", name="Refuser la pièce").click()  # no reason
    expect(agent).to_have_title(re.compile(r"^Erreur : Carnet de vaccination de Léa"))
    expect(agent.locator("#refusal_reason-error")).to_contain_text("Saisissez le motif du refus")
    check_page(agent)
    agent.get_by_label(re.compile(r"^Motif du refus")).fill("Le nom de l'enfant n'apparaît pas sur les pages.")
    agent.get_by_role("button", name="Refuser la pièce").click()
    expect(agent.locator("#status")).to_contain_text("La famille a reçu un e-mail")

    agent.get_by_role("link", name="Examiner Carnet de vaccination de Hugo, famille Martin").click()
    agent.get_by_role("button", name="Valider la pièce").click()
    expect(agent.locator("#status")).to_contain_text("Pièce validée : Carnet de vaccination de Hugo")
    agent.get_by_label("État").select_option(label="Expirent bientôt")
    agent.get_by_role("button", name="Afficher").click()
    expect(agent.locator("main")).to_contain_text("Justificatif de domicile")
    check_page(agent)

    agent.get_by_role("link", name="Types de pièces demandées aux familles").click()
    expect(agent.locator("h1")).to_have_text("Types de pièces")
    check_page(agent)
    agent.get_by_role("link", name="Modifier le type Justificatif de domicile").click()
    agent.get_by_label(re.compile(r"^Nombre de mois")).fill("")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.locator("#validity_months-error")).to_contain_text("Saisissez le nombre de mois")
    check_page(agent)

    page.goto("/pieces")
    expect(page.locator("main")).to_contain_text("Motif : Le nom de l'enfant n'apparaît pas sur les pages.")
