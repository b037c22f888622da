"""The public space in a real browser (demo commune, clock pinned to Monday 2026-11-23 10:00 Paris): the week's
canteen menu read on a phone, the news (public list, page, Mes actualités on Mon accueil), the allergen warning on
Léa Martin's agenda (her declared peanut allergy meets the menu of her school), and the agents' editors (news with a
preview, menus, history) without JavaScript. Every page and state: no axe-core violation, reflow at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, PARENT, check_page, login

PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def _restored(live_server):
    """Put the news, reads, menus and history back as they were: the demo is shared."""
    from sqlalchemy import delete, insert, select

    from models import ContentChange, MenuDish, NewsItem, NewsRead, SiteFile, SitePage

    tables = (NewsItem.__table__, NewsRead.__table__, MenuDish.__table__, ContentChange.__table__,
              SitePage.__table__, SiteFile.__table__)

    def snapshot(db):
        return [[dict(r) for r in db.session.execute(select(t)).mappings()] for t in tables]

    saved = live_server.query(snapshot)
    yield

    def restore(db):
        for table in reversed(tables):
            db.session.execute(delete(table))
        for table, rows in zip(tables, saved, strict=True):
            if rows:
                db.session.execute(insert(table), rows)
        db.session.commit()

    live_server.query(restore)


def test_a_visitor_reads_the_weeks_menu_and_the_news_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("link", name="Menus", exact=True).click()
    expect(page.locator("h1")).to_have_text("Menus de la restauration scolaire")
    check_page(page)
    page.get_by_role("link", name="École élémentaire Jean-de-La-Fontaine").click()
    expect(page.locator("h1")).to_have_text("Menus de École élémentaire Jean-de-La-Fontaine")
    expect(page.locator("main")).to_contain_text("Semaine du lundi 23 novembre au vendredi 27 novembre 2026")
    monday = page.get_by_role("table", name="Menu du lundi 23 novembre 2026")
    expect(monday).to_be_visible()
    expect(monday.get_by_role("columnheader", name="Allergènes")).to_be_visible()
    expect(page.locator("main")).to_contain_text("arachide")
    check_page(page)
    page.get_by_role("link", name=re.compile("^Semaine suivante")).click()
    expect(page.locator("main")).to_contain_text("Semaine du lundi 30 novembre")
    check_page(page)

    page.get_by_role("link", name="Actualités", exact=True).click()
    expect(page.locator("h1")).to_have_text("Actualités")
    expect(page.locator("main")).to_contain_text("Inscriptions aux vacances de Noël")
    expect(page.locator("main")).not_to_contain_text("Fermeture du service pendant les fêtes")  # planned later
    check_page(page)
    page.get_by_role("link", name="Inscriptions aux vacances de Noël").click()
    expect(page.locator("h1")).to_have_text("Inscriptions aux vacances de Noël")
    expect(page.locator(".prose strong")).to_have_text("accueil de loisirs")
    check_page(page)


def test_the_family_sees_its_news_and_the_allergen_warning_on_the_agenda(logged_in):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.goto("/mon-accueil")
    news = page.locator("section", has=page.get_by_role("heading", name="Mes actualités"))
    expect(news).to_contain_text("Inscriptions aux vacances de Noël")
    expect(news.locator(".badge").first).to_have_text("Non lue")
    check_page(page)
    news.get_by_role("link", name="Toutes mes actualités").click()
    expect(page.locator("h1")).to_have_text("Mes actualités")
    check_page(page)
    page.get_by_role("link", name="Sortie au jardin partagé le mercredi").click()
    expect(page.locator("h1")).to_have_text("Sortie au jardin partagé le mercredi")
    check_page(page)

    page.goto("/mon-accueil")
    page.get_by_role("link", name="Agenda de Léa").click()
    warning = page.locator(".menu-warning").first
    expect(warning).to_contain_text("Menu du jour : contient arachide")
    check_page(page)
    warning.get_by_role("link", name=re.compile("^Voir le menu")).click()
    expect(page.locator("h1")).to_contain_text("Menus de")
    expect(page.locator("main")).to_contain_text("arachide")


def test_without_javascript_the_menu_the_warning_and_the_agents_editors_work(new_page):
    family = new_page(java_script_enabled=False)
    family.set_viewport_size(PHONE)
    login(family, *PARENT)
    family.goto("/mon-accueil")
    family.get_by_role("link", name="Agenda de Léa").click()
    expect(family.locator(".menu-warning").first).to_contain_text("Menu du jour : contient arachide")
    family.goto("/planning")
    check_page(family)

    page = new_page(java_script_enabled=False)
    login(page, *AGENT)
    page.goto("/gestion")
    page.get_by_role("link", name="Actualités", exact=True).click()
    expect(page.locator("main")).to_contain_text("Programmée")
    check_page(page)
    page.get_by_role("link", name="Écrire une actualité").click()
    check_page(page)
    page.get_by_role("button", name="Enregistrer").click()  # empty: the error state
    expect(page).to_have_title(re.compile(r"^Erreur : Écrire une actualité"))
    expect(page.locator("#title-error")).to_contain_text("Saisissez le titre")
    check_page(page)
    page.get_by_label(re.compile(r"^Titre")).fill("Goûter de Noël à l'accueil du soir")
    page.get_by_role("textbox", name="Texte (obligatoire)").fill("Un **goûter** le dernier soir avant les vacances.")
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.locator(".preview .prose strong")).to_have_text("goûter")
    check_page(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#status")).to_contain_text("Actualité enregistrée : Goûter de Noël à l'accueil du soir.")

    page.goto("/gestion/menus")
    check_page(page)
    page.get_by_role("link", name="École maternelle Les Coquelicots", exact=True).click()
    expect(page.locator("h1")).to_have_text("Menu de École maternelle Les Coquelicots")
    page.get_by_label(re.compile(r"^Nom du plat")).fill("Velouté de butternut")
    page.get_by_label("céleri", exact=True).check()
    page.get_by_label("bio", exact=True).check()
    page.get_by_role("button", name="Ajouter le plat").click()
    expect(page.locator("#status")).to_contain_text("Plat ajouté : Velouté de butternut")
    expect(page.locator("main")).to_contain_text("Velouté de butternut (bio)")
    check_page(page)
    page.goto("/gestion/contenus/historique")
    expect(page.locator("main")).to_contain_text("Velouté de butternut")
    check_page(page)


def test_the_public_pages_and_their_editor(page, new_page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    for name, heading in (("Services et activités", "Services et activités"), ("Les écoles", "Les écoles"),
                          ("Programmes de l'accueil de loisirs", "Programmes de l'accueil de loisirs"),
                          ("Règlement intérieur", "Règlement intérieur"), ("Tarifs", "Tarifs")):
        page.goto("/")
        page.get_by_role("main").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_have_text(heading)
        check_page(page)
    expect(page.locator("main")).to_contain_text("Le simulateur donne le prix de chaque créneau")
    page.get_by_role("link", name="Simuler le prix de vos réservations").click()
    expect(page.locator("h1")).to_contain_text("Simul")
    check_page(page)
    page.goto("/infos/reglement")
    with page.expect_download() as download:
        page.get_by_role("link", name="Règlement intérieur 2026-2027").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.goto("/contact")
    expect(page.locator("main")).to_contain_text("Horaires d'accueil")
    expect(page.locator("main")).to_contain_text("Écrire au bon service")
    check_page(page)

    agent = new_page(java_script_enabled=False)
    login(agent, *AGENT)
    agent.goto("/gestion/pages")
    check_page(agent)
    agent.get_by_role("link", name="Modifier : Programmes de l'accueil de loisirs").click()
    check_page(agent)
    agent.get_by_label(re.compile(r"^Texte de la page")).fill("Nouveau thème : **les saisons**.")
    agent.get_by_role("button", name="Prévisualiser").click()
    expect(agent.locator(".preview .prose strong")).to_have_text("les saisons")
    check_page(agent)
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.locator("#status")).to_contain_text("Page enregistrée")
    agent.get_by_role("button", name="Ajouter le document").click()  # nothing chosen: the error state
    expect(agent).to_have_title(re.compile(r"^Erreur : "))
    check_page(agent)
