"""Messagerie and reminders in a real browser (demo commune, clock pinned): on a phone (375 px) the Martins read the
service's unread answer, write to a service with an attachment (the error state first), and see the agent's reply;
the agent works from the inbox (a template, assign, close, reopen). Without JavaScript: the Bernards write, the
agent answers, the reminders page and the messagerie's settings. Every state: no axe violation (WCAG 2.1 A/AA),
reflow at 320 x 256.

The live server's database is shared: conversations, messages, their attachments and reminder choices are put back
after each test."""

from __future__ import annotations

import re

import pytest
from absences_world import tiny_pdf
from playwright.sync_api import expect

from tests.browser.helpers import (
    AGENT,
    PARENT,
    PARENT_BERNARD,
    check_page,
    login,
    open_menu,
)

PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def _restored(live_server):
    """Put the messagerie back as it was (the demo is shared by the whole browser session)."""
    from sqlalchemy import delete, func, insert, select

    from models import (
        AnswerTemplate,
        Conversation,
        Document,
        DocumentFile,
        Message,
        MessageService,
        MessageTheme,
        ReminderPreference,
    )

    tables = (MessageService.__table__, MessageTheme.__table__, AnswerTemplate.__table__,
              Conversation.__table__, Message.__table__)

    def snapshot(db):
        rows = [[dict(r) for r in db.session.execute(select(t)).mappings()] for t in tables]
        return rows, db.session.scalar(select(func.max(Document.id))) or 0

    saved, last_document = live_server.query(snapshot)
    yield

    def restore(db):
        for table in reversed(tables):
            db.session.execute(delete(table))
        new_documents = select(Document.id).where(Document.id > last_document)
        db.session.execute(delete(DocumentFile).where(DocumentFile.document_id.in_(new_documents)))
        db.session.execute(delete(Document).where(Document.id > last_document))
        db.session.execute(delete(ReminderPreference))
        for table, rows in zip(tables, saved, strict=True):
            if rows:
                db.session.execute(insert(table), rows)
        db.session.commit()

    live_server.query(restore)


def test_write_to_a_service_and_read_the_agents_reply_on_a_phone(logged_in):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.goto("/mon-accueil")
    expect(page.locator("main")).to_contain_text("(1 réponse non lue)")
    expect(page.get_by_role("button", name=re.compile(r"^Menu \(1 message non lu\)"))).to_be_visible()  # folded
    open_menu(page)
    nav = page.get_by_role("navigation", name="Menu principal")
    nav.get_by_role("link", name=re.compile(r"^Messagerie \(1 non lue\)")).click()
    expect(page.locator("h1")).to_have_text("Messagerie")
    check_page(page)
    page.get_by_role("link", name="Facture d'octobre").click()
    expect(page.locator("main")).to_contain_text("le repas du 14 octobre sera déduit")
    expect(page.locator(".message--theirs")).to_contain_text("Nouveau")
    expect(page.get_by_role("link", name="facture-octobre.pdf")).to_be_visible()
    check_page(page)
    open_menu(page)
    expect(nav.get_by_role("link", name="Messagerie", exact=True)).to_be_visible()  # read: no count any more

    page.goto("/messagerie")
    page.get_by_role("link", name="Écrire à un service").click()
    expect(page.locator("h1")).to_have_text("Écrire à un service")
    check_page(page)
    page.get_by_role("button", name="Envoyer le message").click()  # nothing chosen: the error state
    expect(page).to_have_title(re.compile(r"^Erreur : Écrire à un service"))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#theme_id-error")).to_contain_text("Choisissez le sujet de votre message")
    check_page(page)
    page.get_by_label("Service scolaire : facturation, quotient, inscription école").check()
    page.get_by_label(re.compile(r"^Objet")).fill("Attestation de quotient")
    page.get_by_label(re.compile(r"^Votre message")).fill("Bonjour,\nvoici notre nouvelle attestation CAF.")
    page.get_by_label(re.compile(r"^Joindre un document")).set_input_files(
        {"name": "attestation-caf.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()})
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.locator("h1")).to_have_text("Attestation de quotient")
    expect(page.locator("#status")).to_contain_text("Message envoyé à : Service scolaire.")
    expect(page.get_by_role("link", name="attestation-caf.pdf")).to_be_visible()
    check_page(page)
    thread_url = page.url.split("#")[0]

    agent = logged_in(*AGENT)
    agent.set_viewport_size(PHONE)
    agent.goto("/gestion/")
    agent.get_by_role("link", name="Messagerie", exact=True).click()
    expect(agent.locator("h1")).to_have_text("Messagerie — tous les services")
    expect(agent.locator("main")).to_contain_text("Attestation de quotient")
    check_page(agent)
    agent.get_by_role("link", name="Attestation de quotient").click()
    expect(agent.get_by_role("link", name=re.compile(r"^Dossier de la famille Martin"))).to_be_visible()
    check_page(agent)
    agent.get_by_label("Partir d'un modèle de réponse").select_option(label="Attestation de quotient reçue")
    agent.get_by_role("button", name="Utiliser ce modèle").click()
    expect(agent.get_by_label(re.compile(r"^Votre message"))).to_have_value(re.compile("votre quotient familial"))
    agent.get_by_role("button", name="Envoyer la réponse").click()
    expect(agent.locator("#status")).to_contain_text("Réponse envoyée.")
    agent.get_by_role("button", name="Clôturer la conversation").click()
    expect(agent.locator("#status")).to_contain_text("Conversation clôturée.")
    check_page(agent)
    agent.get_by_role("button", name="Rouvrir la conversation").click()
    expect(agent.locator("#status")).to_contain_text("Conversation rouverte.")

    page.goto(thread_url)
    expect(page.locator(".message--theirs").last).to_contain_text("votre quotient familial est mis à jour")
    expect(page.locator(".message--theirs").last).to_contain_text("Nouveau")
    check_page(page)


def test_messagerie_and_reminders_without_javascript(new_page, page_nojs):
    page = page_nojs
    login(page, *PARENT_BERNARD)
    page.goto("/messagerie/ecrire")
    page.get_by_label("Activités périscolaires : inscription vacances, études").check()
    page.get_by_label(re.compile(r"^Objet")).fill("Études du soir")
    page.get_by_label(re.compile(r"^Votre message")).fill("x" * 5001)
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.locator("#body-error")).to_contain_text("au plus 5000 caractères")
    check_page(page)
    page.get_by_label(re.compile(r"^Votre message")).fill("Chloé peut-elle rester à l'étude le jeudi ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.locator("h1")).to_have_text("Études du soir")
    check_page(page)

    page.goto("/rappels")
    expect(page.locator("h1")).to_have_text("Mes rappels par e-mail")
    check_page(page)
    page.get_by_label(re.compile(r"^Une semaine n'est pas encore réservée")).uncheck()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    expect(page.locator("#status")).to_contain_text("Vos choix de rappels sont enregistrés.")
    expect(page.get_by_label(re.compile(r"^Une semaine n'est pas encore réservée"))).not_to_be_checked()

    agent = new_page(java_script_enabled=False)
    login(agent, *AGENT)
    agent.goto("/gestion/messagerie?dossier=unread")
    expect(agent.locator("main")).to_contain_text("Études du soir")
    agent.get_by_role("link", name="Études du soir").click()
    agent.get_by_label(re.compile(r"^Votre message")).fill("Oui, l'étude est ouverte le jeudi jusqu'à 18 h.")
    agent.get_by_role("button", name="Envoyer la réponse").click()
    expect(agent.locator("#status")).to_contain_text("Réponse envoyée.")
    agent.get_by_label("Attribuer à").select_option(index=0)
    agent.get_by_role("button", name="Attribuer").click()
    expect(agent.locator("#status")).to_contain_text("Conversation attribuée à personne.")
    check_page(agent)
    agent.goto("/gestion/messagerie/reglages")
    check_page(agent)
    agent.get_by_role("link", name="Ajouter un thème").click()
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.locator("#label-error")).to_contain_text("Saisissez le thème")
    check_page(agent)

    page.goto("/messagerie")
    page.get_by_role("link", name="Études du soir").click()
    expect(page.locator("main")).to_contain_text("l'étude est ouverte le jeudi jusqu'à 18 h")
