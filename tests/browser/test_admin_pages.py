"""The administration's other pages in a real browser: the audit log (filters without JavaScript, a wrong date
answered next to the field), statistics (SVG chart and tables), « Sécurité du compte », an agent's page, a site
agent's home (only their links), and a family's « Mes données » with the legal page naming the DPO. Each state:
axe clean, reflow at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PARENT, assert_axe_clean, assert_reflows

ADMIN = ("admin@example.org", "Demo-Agent-2026!")
SITE = ("site@example.org", "Demo-Agent-2026!")
PHONE = {"width": 375, "height": 740}


@pytest.mark.parametrize("java_script_enabled", [True, False])
def test_audit_log_and_statistics(logged_in, java_script_enabled):
    page = logged_in(*ADMIN, java_script_enabled=java_script_enabled)
    page.set_viewport_size(PHONE)
    page.goto("/gestion/")
    page.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal")
    assert_axe_clean(page)
    page.get_by_label("Type", exact=True).select_option(label="Dossier famille")
    page.get_by_label("Du", exact=True).fill("31/02/2026")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_axe_clean(page)
    assert_reflows(page)

    page.goto("/gestion/")
    page.get_by_role("link", name="Statistiques").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statistiques de l'année scolaire")
    expect(page.locator("svg[role=img] title").first).to_contain_text("Taux de présence par mois")
    expect(page.get_by_role("table", name="Réservations, présences et repas par mois")).to_be_visible()
    assert_axe_clean(page)
    assert_reflows(page)


def test_security_and_agent_pages(logged_in):
    page = logged_in(*ADMIN)
    page.goto("/gestion/securite")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sécurité du compte")
    assert_axe_clean(page)
    page.goto("/gestion/agents")
    page.get_by_role("link", name="Nadia Benali (École maternelle Les Coquelicots)").click()
    expect(page.get_by_label("Agent de site : listes et pointage de ses écoles")).to_be_checked()
    assert_axe_clean(page)
    page.set_viewport_size(PHONE)
    assert_reflows(page)


def test_a_site_agent_sees_only_their_pages(logged_in):
    page = logged_in(*SITE, java_script_enabled=False)
    page.goto("/gestion/")
    main = page.locator("main")
    expect(main).to_contain_text("Sécurité du compte")
    expect(main).not_to_contain_text("Familles")
    assert_axe_clean(page)
    assert page.goto("/gestion/familles").status == 403


def test_a_family_downloads_its_data(logged_in):
    page = logged_in(*PARENT, java_script_enabled=False)
    page.set_viewport_size(PHONE)
    page.goto("/mon-accueil")
    page.get_by_role("link", name="Mes données").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")
    assert_axe_clean(page)
    assert_reflows(page)
    with page.expect_download(timeout=120_000) as download:  # WeasyPrint: seconds on a busy machine
        page.get_by_role("link", name="Télécharger mes données (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="mentions légales", exact=True).click()
    expect(page.locator("main")).to_contain_text("dpo@example.org")
    assert_axe_clean(page)
