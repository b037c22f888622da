"""Back office in a real browser (demo commune, tablet width): creating a family file with its errors, adding a
child's fields, the family page, editing members and contacts, enrolling and the unenrolment confirmation pass axe
(WCAG 2.1 A/AA) and reflow at 320 px, with JavaScript on and off. The families these tests create are deleted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, assert_axe_clean, assert_reflows, focused

TABLET = {"width": 1024, "height": 768}
FAMILY = "Œuvray-N’Diaye"


@pytest.fixture
def cleanup(live_server):
    """Delete the families named `FAMILY` (and what hangs on them) after the test: the demo stays as it was."""
    yield
    from sqlalchemy import delete, select

    from models import Enrollment, Family, FamilyChange, Person

    def drop(db):
        ids = db.session.execute(select(Family.id).where(Family.name.like(f"{FAMILY}%"))).scalars().all()
        people = select(Person.id).where(Person.family_id.in_(ids))
        db.session.execute(delete(Enrollment).where(Enrollment.child_id.in_(people)))
        db.session.execute(delete(FamilyChange).where(FamilyChange.family_id.in_(ids)))
        db.session.execute(delete(Person).where(Person.family_id.in_(ids)))
        db.session.execute(delete(Family).where(Family.id.in_(ids)))
        db.session.commit()

    live_server.query(drop)


@pytest.fixture
def agent_page(logged_in):
    def factory(java_script_enabled=True):
        page = logged_in(*AGENT, java_script_enabled=java_script_enabled)
        page.set_viewport_size(TABLET)
        return page

    return factory


def check(page) -> None:
    assert_axe_clean(page)
    assert_reflows(page)


def fill_new_family(page, name=FAMILY) -> None:
    page.get_by_label(re.compile(r"^Nom de la famille")).fill(name)
    page.get_by_label(re.compile(r"^Adresse \(obligatoire\)")).fill("12 rue des Tilleuls")
    page.get_by_label(re.compile(r"^Code postal")).fill("49999")
    page.get_by_label(re.compile(r"^Commune")).fill("Démo-sur-Loire")
    first = page.get_by_role("group", name="Premier représentant")
    first.get_by_label("Civilité").select_option(label="Madame")
    first.get_by_label(re.compile(r"^Prénom")).fill("Zoé")
    first.get_by_label(re.compile(r"^Nom")).fill("D'Angelo")
    first.get_by_label(re.compile(r"^Téléphone")).fill("06 12 34 56 78")
    first.get_by_label(re.compile(r"^Adresse e-mail")).fill(f"zoe.{len(name)}@example.org")
    child = page.get_by_role("group", name="Enfant 1")
    child.get_by_label(re.compile(r"^Prénom")).fill("Maël")
    child.get_by_label(re.compile(r"^Nom")).fill(name)
    child.get_by_label(re.compile(r"^Date de naissance")).fill("14/03/2019")
    child.get_by_label("École").select_option(label="École élémentaire Jean-de-La-Fontaine")
    child.get_by_label(re.compile(r"^Classe")).fill("CE1")


def test_create_a_family_errors_then_success(agent_page, cleanup):
    page = agent_page()
    page.goto("/gestion/familles")
    page.get_by_role("link", name="Créer une famille").click()
    expect(page.locator("h1")).to_have_text("Créer une famille")
    check(page)

    page.get_by_role("button", name="Créer le dossier", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Erreur : Créer une famille"))
    # family name, address, postcode, city; the guardian's names and a phone or e-mail
    expect(summary.get_by_role("link")).to_have_count(7)
    summary.get_by_role("link", name="Premier représentant : saisissez le prénom.").click()
    expect(page.locator("#guardian1-first_name")).to_be_focused()
    expect(page.locator("#guardian1-first_name")).to_have_attribute("aria-invalid", "true")
    check(page)

    fill_new_family(page)
    page.get_by_role("button", name="Ajouter un autre enfant").click()
    expect(page).to_have_url(re.compile(r"#enfant-2$"))
    expect(page.get_by_role("group", name="Enfant 1").get_by_label(re.compile(r"^Prénom"))).to_have_value("Maël")
    page.keyboard.press("Tab")  # from the new child's fields, the first of them
    assert focused(page)["id"] == "children-1-first_name"
    check(page)
    second = page.get_by_role("group", name="Enfant 2")
    second.get_by_label(re.compile(r"^Prénom")).fill("Anaïs")
    second.get_by_label(re.compile(r"^Nom")).fill(FAMILY)
    second.get_by_label(re.compile(r"^Date de naissance")).fill("2030-01-01")
    page.get_by_role("button", name="Créer le dossier", exact=True).click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#children-1-birth_date-error")).to_contain_text("Enfant 2 : la date de naissance doit être")
    check(page)

    page.locator("#children-1-birth_date").fill("02/11/2021")
    page.get_by_role("button", name="Créer le dossier", exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Famille {FAMILY}")
    created = re.compile(rf"Dossier D-2026-\d{{4}} créé pour la famille {FAMILY}")
    expect(page.locator("#status")).to_contain_text(created)
    expect(page.get_by_role("heading", name=f"Anaïs {FAMILY}")).to_be_visible()
    expect(page.get_by_role("button", name="Inviter la famille : Zoé D'Angelo")).to_be_visible()
    check(page)


def test_enter_in_a_field_creates_rather_than_adds_a_child(agent_page):
    page = agent_page()
    page.goto("/gestion/familles/nouvelle")
    page.get_by_label(re.compile(r"^Nom de la famille")).fill(FAMILY)
    page.get_by_label(re.compile(r"^Nom de la famille")).press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()  # the form was checked, not sent back with a child more
    expect(page.locator("fieldset.child-group")).to_have_count(1)


def test_without_javascript_create_enrol_and_unenrol(agent_page, cleanup):
    page = agent_page(java_script_enabled=False)
    page.goto("/gestion/familles/nouvelle")
    fill_new_family(page, name=f"{FAMILY} sans JS")
    page.get_by_role("button", name="Créer le dossier", exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Famille {FAMILY} sans JS")
    expect(page.locator("#status")).to_contain_text("créé pour la famille")

    page.get_by_role("link", name="Inscrire à une activité : Maël").click()
    expect(page.locator("h1")).to_have_text(f"Inscrire Maël {FAMILY} sans JS à une activité")
    page.get_by_role("button", name="Inscrire").click()
    expect(page.locator(".error-summary")).to_contain_text("Choisissez une activité et une période.")
    check(page)
    page.get_by_role("group", name="Restauration scolaire").get_by_label(re.compile(r"^Année scolaire")).check()
    page.get_by_role("button", name="Inscrire").click()
    expect(page.locator("#status")).to_contain_text("Inscription enregistrée")

    unenrol = f"Désinscrire Maël {FAMILY} sans JS Restauration scolaire, Année scolaire 2026-2027"
    page.get_by_role("link", name=unenrol).click()
    expect(page.locator("h1")).to_have_text(f"Désinscrire Maël {FAMILY} sans JS de « Restauration scolaire »")
    expect(page.locator("main")).to_contain_text("rien ne sera annulé")
    check(page)
    page.get_by_role("button", name="Désinscrire").click()
    expect(page.locator("#status")).to_contain_text("Désinscription enregistrée")
    expect(page.get_by_role("heading", name=f"Maël {FAMILY} sans JS")).to_be_visible()


def test_member_pages_of_a_demo_family(agent_page):
    """Edit, add, remove pages of the Martin file, looked at and checked, never saved (the demo stays as it is)."""
    page = agent_page()
    page.goto("/gestion/familles?q=Martin")
    page.get_by_role("link", name="Famille Martin", exact=True).click()
    check(page)
    family_url = page.url

    page.get_by_role("link", name="Modifier les coordonnées").click()
    page.get_by_label(re.compile(r"^Commune")).fill("")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check(page)

    page.goto(family_url)
    page.get_by_role("link", name="Modifier la fiche de Sophie Martin").click()
    expect(page.locator("h1")).to_have_text("Modifier la fiche de Sophie Martin")
    check(page)

    page.goto(family_url)
    page.get_by_role("link", name="Ajouter un contact").click()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error-summary").get_by_role("link")).to_have_count(3)
    check(page)

    page.goto(family_url)
    page.get_by_role("link", name="Supprimer la fiche de Léa Martin").click()
    expect(page.locator("main")).to_contain_text("ne peut pas être supprimée")
    expect(page.get_by_role("button", name=re.compile("^Oui"))).to_have_count(0)
    check(page)

    page.goto(family_url)
    page.get_by_role("link", name=re.compile(r"^Désinscrire Léa Martin Restauration scolaire")).click()
    expect(page.locator("main")).to_contain_text(re.compile(r"\d+ réservations seront annulées"))
    check(page)

    page.goto(family_url)
    page.get_by_role("link", name="Inscrire à une activité : Léa").click()
    expect(page.locator("main")).to_contain_text("inscription déjà enregistrée")
    check(page)
