"""Calendar subscription pages in a real browser (demo commune, Sophie Martin): the family's page on a phone
(375 px) with JavaScript (create in one click, subscribe, "Copier le lien" saying "Lien copié.", the steps in
<details>, change and delete through their confirm page), the same journey with JavaScript off, no copy button
without the Clipboard API, a child's own page. Every state: no axe violation, and reflow at 320 px.

The Martins' links are put back as the demo has them (none) after each test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import PARENT, check_page, focused

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1024, "height": 768}
FAMILY_HEADING = "Abonnement calendrier de la famille"
FIELD = "Lien de l'abonnement de la famille"


@pytest.fixture
def no_links_after(live_server):
    yield
    live_server.query(_remove_links)


def _remove_links(db, token=None):
    from models import Family, User

    user = db.session.execute(select(User).where(User.email == PARENT[0])).scalar_one()
    family = db.session.get(Family, user.family_id)
    family.calendar_token = token
    for member in family.members:
        member.calendar_token = None
    db.session.commit()


def status(page):
    return page.locator("#status")


def fits(page, locator) -> None:
    """At least 44 x 44 px and not cut by the right edge of the screen."""
    box = locator.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


def open_family_page(page) -> None:
    page.goto("/mon-accueil")
    page.get_by_role("link", name=FAMILY_HEADING).click()
    expect(page.locator("h1")).to_have_text(FAMILY_HEADING)


def change_link(page, button: str, heading: str, yes: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("h1")).to_have_text(heading)
    check_page(page)
    page.get_by_role("button", name=yes).click()
    expect(page.locator("h1")).to_have_text(FAMILY_HEADING)


def test_family_page_on_a_phone_with_javascript(logged_in, live_server, no_links_after):
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_family_page(page)
    expect(page.get_by_role("link", name="S'abonner sur ce téléphone")).to_have_count(0)
    check_page(page)  # no link yet: one click creates it

    page.get_by_role("button", name="Créer le lien d'abonnement").click()
    expect(status(page)).to_contain_text("Lien d'abonnement créé.")
    subscribe = page.get_by_role("link", name="S'abonner sur ce téléphone")
    field = page.get_by_label(FIELD)
    url = field.input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/calendrier/famille/[\w-]{43}\.ics", url), url
    expect(subscribe).to_have_attribute("href", re.sub(r"^http://", "webcal://", url))
    fits(page, subscribe)
    assert page.request.get(url).status == 200
    check_page(page)

    copy = page.get_by_role("button", name="Copier le lien")
    fits(page, copy)
    copy.click()
    expect(status(page)).to_have_text("Lien copié.")
    expect(page.locator(".copy-feedback")).to_have_text("Lien copié.")  # also where the finger is
    assert page.locator(".copy-feedback").bounding_box()["y"] - copy.bounding_box()["y"] < 100
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert focused(page)["text"] == "Copier le lien"  # focus stays on the button
    check_page(page)

    page.locator("summary", has_text="Sur Android (Google Agenda)").click()
    expect(page.get_by_text("L'application Google Agenda du téléphone ne sait pas ajouter")).to_be_visible()
    check_page(page)

    page.get_by_role("button", name="Changer le lien", exact=True).click()
    expect(page.locator("h1")).to_have_text("Changer le lien de l'abonnement de la famille ?")
    check_page(page)
    page.get_by_role("link", name="Annuler").click()
    expect(page.locator("h1")).to_have_text(FAMILY_HEADING)
    assert page.get_by_label(FIELD).input_value() == url  # cancelled: nothing changed

    change_link(page, "Changer le lien", "Changer le lien de l'abonnement de la famille ?", "Oui, changer le lien")
    expect(status(page)).to_contain_text("Lien changé : l'ancien ne marche plus.")
    new_url = page.get_by_label(FIELD).input_value()
    assert new_url != url and page.request.get(url).status == 404 and page.request.get(new_url).status == 200
    check_page(page)

    change_link(page, "Supprimer le lien", "Supprimer le lien de l'abonnement de la famille ?",
                "Oui, supprimer le lien")
    expect(status(page)).to_contain_text("Lien supprimé")
    expect(page.get_by_role("button", name="Créer le lien d'abonnement")).to_be_visible()
    assert page.request.get(new_url).status == 404
    check_page(page)


def test_family_page_without_javascript(logged_in, no_links_after):
    page = logged_in(*PARENT, java_script_enabled=False)
    page.set_viewport_size(PHONE)
    open_family_page(page)
    check_page(page)
    page.get_by_role("button", name="Créer le lien d'abonnement").click()
    expect(status(page)).to_contain_text("Lien d'abonnement créé.")
    expect(page.get_by_role("button", name="Copier le lien")).to_have_count(0)
    expect(page.get_by_text("sélectionnez le lien et copiez-le")).to_be_visible()
    url = page.get_by_label(FIELD).input_value()
    page.locator("summary", has_text="Sur iPhone ou iPad").click()  # <details> opens without JavaScript
    expect(page.get_by_text("« Ajouter un calendrier avec abonnement »")).to_be_visible()
    check_page(page)

    change_link(page, "Changer le lien", "Changer le lien de l'abonnement de la famille ?", "Oui, changer le lien")
    assert page.get_by_label(FIELD).input_value() != url
    change_link(page, "Supprimer le lien", "Supprimer le lien de l'abonnement de la famille ?",
                "Oui, supprimer le lien")
    expect(status(page)).to_contain_text("Lien supprimé")

    page.get_by_role("link", name="Abonnement calendrier de Léa").click()
    expect(page.locator("h1")).to_have_text("Abonnement calendrier de Léa")
    check_page(page)


def test_no_copy_button_without_the_clipboard_api(logged_in, live_server, no_links_after):
    live_server.query(lambda db: _remove_links(db, token="p" * 43))
    page = logged_in(*PARENT)
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})")
    page.goto("/calendrier")
    expect(page.get_by_label(FIELD)).to_have_value(re.compile(r"/calendrier/famille/p{43}\.ics$"))
    expect(page.get_by_role("button", name="Copier le lien")).to_have_count(0)


def test_a_childs_own_page_at_desktop_width(logged_in, no_links_after):
    page = logged_in(*PARENT)
    page.set_viewport_size(DESKTOP)
    open_family_page(page)
    page.get_by_role("link", name="Abonnement calendrier de Léa").click()
    expect(page.locator("h1")).to_have_text("Abonnement calendrier de Léa")
    page.get_by_role("button", name="Créer le lien d'abonnement").click()
    expect(page.get_by_label("Lien de l'abonnement de Léa")).to_have_value(re.compile(r"/calendrier/[\w-]{43}\.ics$"))
    expect(page.get_by_role("button", name="Copier le lien")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Abonnement calendrier", exact=True).click()  # breadcrumb back
    expect(page.get_by_text("Abonnement calendrier de Léa — lien créé")).to_be_visible()
