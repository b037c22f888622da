"""Billing in a real browser (demo commune, clock pinned to Monday 2026-11-23 10:00 Paris): the demo issued the
September invoices on 3 October and the October ones on 2 November (due 30 November).

On a phone (375 px, JavaScript on): the Martin family opens "Mes factures" from the menu, sees its balance and
states, opens October's invoice (HTML) and its PDF link answers a PDF. JavaScript off: the same pages, the public
simulator (its result state and its error state), and the agents' billing pages (runs, a month's preview, tariffs
with the error state of the tariff form, unpaid invoices, an invoice with the payment form's error state). Every
state: no axe-core violation (WCAG 2.1 A/AA) and reflow at 320 x 256 CSS px. At 1024 px, an agent sends the
relances of the late invoices from the unpaid list (axe on the list and on its summary). Nothing else is written (the
demo is shared): the relances sent are deleted after their test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from tests.browser.helpers import (
    AGENT,
    PARENT,
    assert_axe_clean,
    check_page,
    login,
    open_menu,
)

PHONE = {"width": 375, "height": 740}


def open_october_invoice(page) -> None:
    open_menu(page)
    page.get_by_role("link", name="Mes factures").first.click()
    expect(page.locator("h1")).to_have_text("Mes factures")
    main = page.locator("main")
    expect(main).to_contain_text("Compte famille")
    expect(main).to_contain_text("Reste à payer")
    expect(main).to_contain_text("Payée")
    expect(main).to_contain_text("à payer au plus tard le lundi 30 novembre 2026")
    check_page(page)
    page.get_by_role("link", name="Facture d'octobre 2026", exact=True).click()
    expect(page.locator("h1")).to_have_text("Facture d'octobre 2026")
    expect(page.locator("main")).to_contain_text("Léa Martin")
    expect(page.locator("main")).to_contain_text("Total de la facture")
    expect(page.locator("table caption")).to_contain_text("Créneaux facturés en octobre 2026")
    check_page(page)


def test_parent_opens_an_invoice_on_a_phone(logged_in):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.goto("/mon-accueil")
    open_october_invoice(page)
    link = page.get_by_role("link", name="Télécharger la facture (PDF)")
    response = page.request.get(link.get_attribute("href"), timeout=60_000)  # WeasyPrint: fonts loaded once
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


def test_parent_and_simulator_without_javascript(page_nojs):
    page = page_nojs
    page.set_viewport_size(PHONE)
    page.goto("/tarifs/simulateur")
    expect(page.locator("h1")).to_have_text("Simulateur de tarifs")
    check_page(page)
    page.get_by_label("Restauration scolaire").check()
    page.get_by_label("Je connais mon quotient familial").check()
    page.get_by_role("spinbutton", name=re.compile("^Quotient familial")).fill("")
    page.get_by_role("button", name="Voir les prix").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Simulateur de tarifs"))
    expect(page.locator("#quotient-error")).to_contain_text("Saisissez votre quotient familial")
    check_page(page)
    page.get_by_role("spinbutton", name=re.compile("^Quotient familial")).fill("850")
    page.get_by_role("button", name="Voir les prix").click()
    expect(page.locator("main")).to_contain_text("3,30 €")
    check_page(page)

    login(page, *PARENT)
    page.goto("/mon-accueil")
    open_october_invoice(page)


def test_agents_billing_pages_without_javascript(page_nojs):
    page = page_nojs
    login(page, *AGENT)
    page.goto("/gestion/")
    page.get_by_role("link", name="Facturation").first.click()
    expect(page.locator("h1")).to_have_text("Facturation")
    expect(page.locator("main")).to_contain_text("Dernières facturations")
    check_page(page)
    page.get_by_role("link", name="Aperçu d'octobre 2026").click()
    expect(page.locator("main")).to_contain_text("déjà facturées pour ce mois")
    check_page(page)

    page.goto("/gestion/facturation/tarifs")
    expect(page.locator("main")).to_contain_text("Grille par quotient familial")
    check_page(page)
    page.get_by_role("link", name="Ajouter un tarif").click()
    page.get_by_role("button", name="Enregistrer").click()  # nothing chosen: the error state
    expect(page).to_have_title(re.compile(r"^Erreur : Ajouter un tarif"))
    expect(page.locator("#target-error")).to_contain_text("Choisissez l'activité et le créneau")
    check_page(page)

    page.goto("/gestion/facturation/impayes")
    expect(page.locator("h1")).to_have_text("Factures impayées")
    check_page(page)
    page.locator("main table tbody a").first.click()
    expect(page.locator("h1")).to_contain_text("Facture F-2026-")
    check_page(page)
    page.get_by_role("button", name="Enregistrer le paiement").click()  # no amount: the error state
    expect(page.locator("#amount-error")).to_contain_text("Saisissez le montant reçu")
    check_page(page)


@pytest.fixture
def relances_removed(live_server):
    """The relances the test sends are deleted afterwards (the demo is shared)."""
    yield

    def remove(db):
        from models import InvoiceReminder

        db.session.execute(delete(InvoiceReminder))
        db.session.commit()

    live_server.query(remove)


def test_agent_sends_relances_at_1024(logged_in, relances_removed):
    """Unpaid list with relances (1024 px, JavaScript on): "Tout sélectionner", send, the sending's summary and
    what each row says next; no axe-core violation in either state."""
    page = logged_in(*AGENT)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/gestion/facturation/impayes")
    expect(page.locator("main")).to_contain_text("Prochaine étape")
    assert_axe_clean(page)
    page.get_by_role("link", name=re.compile("^Tout sélectionner")).click()
    boxes = page.get_by_role("checkbox", name=re.compile("^Relancer la facture"))
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    page.get_by_role("button", name="Relancer les factures cochées").last.click()
    expect(page.locator("#status")).to_contain_text("Relances envoyées")
    expect(page.locator("#envoi")).to_contain_text("Relances de cet envoi")
    expect(page.locator("main table")).to_contain_text("Relancée le lundi 23 novembre 2026")
    assert_axe_clean(page)
