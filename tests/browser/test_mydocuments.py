"""Mes documents in a real browser (demo commune): on a phone (375 px) with JavaScript off, Sophie Martin opens "Mes
documents" from "Mon accueil", asks Léa's attestation de présence for a month to come (told next to the field),
then for this month, gets the page and its PDF; then the fiche famille. Every page: no axe-core violation (WCAG 2.1
A/AA), reflow at 320 px. Nothing is written."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import PARENT, check_page, login

PHONE = {"width": 375, "height": 740}


def test_attestation_de_presence_and_fiche_famille_on_a_phone_without_javascript(new_page, live_server):
    today = live_server.clock().date()
    page = new_page(java_script_enabled=False, viewport=PHONE)
    login(page, *PARENT)
    page.goto("/mon-accueil")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes documents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes documents")
    check_page(page)

    page.get_by_role("link", name=re.compile(r"^Attestation de présence de Léa")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Attestation de présence de Léa"))
    check_page(page)
    year = page.get_by_role("spinbutton", name=re.compile(r"^Année"))
    year.fill(str(today.year + 1))
    page.get_by_role("button", name="Voir l'attestation").click()
    expect(page.locator(".error-summary")).to_contain_text("Cette période n'a pas encore commencé")
    expect(page.locator("#annee-error")).to_be_visible()
    expect(year).to_have_attribute("aria-invalid", "true")
    check_page(page)

    year.fill(str(today.year))
    page.get_by_label("Mois", exact=True).select_option(str(today.month))
    page.get_by_role("button", name="Voir l'attestation").click()
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^Attestation pour"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Fait à .*, le "))).to_be_visible()
    check_page(page)
    pdf_link = page.get_by_role("link", name="Télécharger l'attestation (PDF)")
    answer = page.request.get(pdf_link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"

    page.get_by_role("link", name="Mes documents").last.click()
    page.get_by_role("link", name="Lire la fiche famille").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiche famille")
    expect(page.get_by_role("heading", level=3, name=re.compile(r"^Léa"))).to_be_visible()
    check_page(page)
