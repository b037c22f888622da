"""Pointage in a real browser: an agent takes the meal attendance of a site for the day on a tablet (1024 x 768) and
on a phone (375 px), keeps focus on the button pressed, sees the totals change; a mark sent without network shows
"Non enregistré" and is sent again by "Réessayer"; without JavaScript the same forms work. The kitchen counts and
their settings too. Every page and state: axe without violations, reflow at 320 px.

The demo (seeded on the pinned Monday 23 November 2026) has the meal list of the École élémentaire
Jean-de-La-Fontaine partly taken that day; each test marks children still unmarked, so the tests do not depend on
each other's order.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, assert_axe_clean, assert_reflows

SITE = "École élémentaire Jean-de-La-Fontaine"
UNIT = "Restauration scolaire — Repas"
TABLET = {"width": 1024, "height": 768}
EVENING = "Accueil périscolaire du soir — Accueil du soir"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def agent(logged_in):
    page = logged_in(*AGENT)
    page.set_viewport_size(TABLET)
    return page


def open_list(page, unit: str = UNIT) -> None:
    page.goto("/gestion/")
    page.get_by_role("link", name="Pointage", exact=True).click()
    expect(page.locator("h1")).to_have_text("Pointage")
    page.get_by_label(re.compile(r"^Site")).select_option(label=SITE)
    page.get_by_label(re.compile(r"^Activité et créneau")).select_option(label=unit)
    page.get_by_role("button", name="Ouvrir la liste").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Pointage : .* du lundi 23 novembre"))


def unmarked_row(page):
    return page.locator("tr.att-row--none").first


def total(page, label: str) -> int:
    return int(page.locator("#totaux dt", has_text=re.compile("^" + re.escape(label) + "$"))
               .locator("xpath=following-sibling::dd[1]").inner_text())


def test_take_attendance_on_a_tablet(agent):
    open_list(agent)
    assert_axe_clean(agent)
    present_before, unmarked_before = total(agent, "Présents"), total(agent, "Pas encore pointés")
    assert unmarked_before > 0 and present_before > 0  # the demo's list is partly taken
    row = unmarked_row(agent)
    row_id = row.get_attribute("id")
    name = row.locator("th").inner_text()
    button = agent.locator(f"#{row_id} button[value=present]")
    button.click()
    saved = agent.locator(f"#{row_id}")
    expect(saved.locator(".att-mark")).to_have_text("Présent")
    expect(saved.locator("button[value=present]")).to_have_attribute("aria-pressed", "true")
    expect(agent.locator("#status")).to_contain_text("« Présent » enregistré.")
    assert agent.evaluate("document.activeElement.id") == button.get_attribute("id") or \
        agent.evaluate("document.activeElement.id").startswith("present-")
    assert total(agent, "Présents") == present_before + 1
    assert total(agent, "Pas encore pointés") == unmarked_before - 1
    # a correction: the other button
    saved.locator("button[value=absent]").click()
    expect(saved.locator(".att-mark")).to_have_text("Absent")
    assert total(agent, "Présents") == present_before
    assert name.strip()
    assert_axe_clean(agent)
    assert_reflows(agent)


def test_a_mark_lost_on_the_network_says_so_and_is_sent_again(agent):
    open_list(agent)
    row_id = unmarked_row(agent).get_attribute("id")
    agent.route("**/pointer", lambda route: route.abort("internetdisconnected"))
    agent.locator(f"#{row_id} button[value=present]").click()
    row = agent.locator(f"#{row_id}")
    expect(row.locator(".att-unsaved")).to_contain_text("Non enregistré : « Présent »")
    expect(agent.locator("#att-offline")).to_contain_text("1 pointage n'est pas enregistré")
    assert_axe_clean(agent)
    agent.unroute("**/pointer")
    row.get_by_role("button", name=re.compile("^Réessayer")).click()
    expect(agent.locator(f"#{row_id} .att-mark")).to_have_text("Présent")
    expect(agent.locator("#att-offline")).to_be_hidden()


def test_take_attendance_on_a_phone(agent):
    agent.set_viewport_size(PHONE)
    open_list(agent)
    assert agent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row_id = unmarked_row(agent).get_attribute("id")
    button = agent.locator(f"#{row_id} button[value=absent]")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    button.click()
    expect(agent.locator(f"#{row_id} .att-mark")).to_have_text("Absent")
    assert agent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_axe_clean(agent)


def test_attendance_without_javascript(logged_in):
    page = logged_in(*AGENT, java_script_enabled=False)
    page.set_viewport_size(TABLET)
    open_list(page, EVENING)  # fewer children booked than for the meal: some to add
    row_id = unmarked_row(page).get_attribute("id")
    page.locator(f"#{row_id} button[value=present]").click()
    expect(page.locator(f"#{row_id} .att-mark")).to_have_text("Présent")
    expect(page.locator("#status")).to_contain_text("« Présent » enregistré.")
    # a child present without a booking
    choice = page.get_by_label(re.compile(r"^Enfant présent sans réservation"))
    label = choice.locator("option").nth(1).inner_text()
    choice.select_option(index=1)
    page.get_by_role("button", name="Ajouter, présent").click()
    expect(page.locator("#status")).to_contain_text("présent sans réservation")
    expect(page.locator("tr", has_text=label.split(" (")[0]).locator(".att-note")).to_have_text("Sans réservation")
    assert_axe_clean(page)
    # an empty choice: the error summary and the message next to the field
    page.get_by_role("button", name="Ajouter, présent").click()
    expect(page.locator(".error-summary")).to_contain_text("Choisissez")
    assert_axe_clean(page)


def test_the_pdf_list_downloads(agent):
    open_list(agent)
    href = agent.get_by_role("link", name="Télécharger la liste à imprimer (PDF)").get_attribute("href")
    answer = agent.request.get(href, timeout=60_000)  # with the page's cookies; WeasyPrint takes a second or more
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")


def test_kitchen_counts_and_settings(agent):
    agent.goto("/gestion/")
    agent.get_by_role("link", name="Effectifs pour la cuisine centrale").click()
    expect(agent.locator("h1")).to_have_text(re.compile("^Effectifs pour la cuisine centrale : lundi 23 novembre"))
    expect(agent.locator("table.kitchen-table caption")).to_contain_text("par site et par régime")
    assert_axe_clean(agent)
    assert_reflows(agent)
    agent.get_by_label(SITE).fill("douze")
    agent.get_by_role("button", name="Enregistrer les repas adultes").click()
    expect(agent.locator(".error-summary")).to_contain_text("Saisissez un nombre entier")
    assert_axe_clean(agent)
    agent.get_by_label(SITE).fill("4")
    agent.get_by_role("button", name="Enregistrer les repas adultes").click()
    expect(agent.locator("#status")).to_contain_text("Repas adultes du lundi 23 novembre enregistrés.")
    agent.get_by_role("link", name="Modifier les réglages").click()
    expect(agent.locator("h1")).to_have_text("Réglages de la cuisine centrale")
    assert_axe_clean(agent)
    assert_reflows(agent)


def test_import_check_a_file_without_importing(agent):
    """The import page, a file with a bad line (report, nothing imported), a good one (what would be created)."""
    agent.goto("/gestion/")
    agent.get_by_role("link", name="Importer des familles").click()
    expect(agent.locator("h1")).to_have_text("Importer des familles")
    assert_axe_clean(agent)
    assert_reflows(agent)
    header = ("dossier;role;civilite;nom;prenom;date_naissance;email;telephone;adresse;code_postal;ville;ecole;"
              "classe;lien;peut_recuperer;urgence;activites\r\n")
    bad = header + "2099-0001;enfant;;Œuvray;Noé;31/02/2018;;;;;;;;;;;\r\n"
    agent.get_by_label(re.compile("^Fichier CSV des familles")).set_input_files(
        files=[{"name": "familles.csv", "mimeType": "text/csv", "buffer": bad.encode("cp1252")}])
    agent.get_by_role("button", name="Vérifier le fichier").click()
    expect(agent.locator(".error-summary")).to_contain_text("rien n'est importé")
    expect(agent.locator("table")).to_contain_text("écrivez la date comme 14/03/2018")
    assert_axe_clean(agent)
    agent.goto("/gestion/import/")
    good = header + "2099-0001;responsable;Mme;Œuvray;Chloé;;chloe.oeuvray@example.org;;1 place;49999;Démo;;;;;;\r\n"
    agent.get_by_label(re.compile("^Fichier CSV des familles")).set_input_files(
        files=[{"name": "familles.csv", "mimeType": "text/csv", "buffer": good.encode("utf-8")}])
    agent.get_by_role("button", name="Vérifier le fichier").click()
    expect(agent.locator("dl.facts")).to_contain_text("Familles créées")
    expect(agent.get_by_role("button", name="Importer")).to_be_visible()
    assert_axe_clean(agent)
    assert_reflows(agent)
