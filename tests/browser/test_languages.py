"""The portal in English on a 375 px phone (issue #9): the switch on every page, remembered by a cookie, works
without JavaScript; <html lang> and the switch's lang are right; "Mon accueil" and the agenda read in English with
their deadlines in English words; each page has no axe violation and reflows at 320 px. A browser that asks for
English gets it without the switch. Demo commune, clock pinned to Monday 2026-11-23."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PARENT, assert_axe_clean, assert_reflows, open_menu

PHONE = {"width": 375, "height": 740}
FRENCH_WORDS = re.compile(r"\b(Enregistrer|Bonjour|Mes enfants|Se déconnecter|jusqu'au|Réservation possible)\b")


def check_english(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch = page.get_by_role("navigation", name="Language").get_by_role("link", name="Français")
    expect(switch).to_have_attribute("lang", "fr")
    expect(switch).to_have_attribute("hreflang", "fr")
    assert not FRENCH_WORDS.search(page.locator("body").inner_text()), page.url
    assert_axe_clean(page)
    assert_reflows(page)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def phone(request, logged_in):
    page = logged_in(*PARENT, java_script_enabled=request.param)
    page.set_viewport_size(PHONE)
    return page


def test_mon_accueil_and_the_agenda_in_english(phone):
    phone.goto("/mon-accueil")
    expect(phone.locator("html")).to_have_attribute("lang", "fr")
    english = phone.get_by_role("navigation", name="Langue").get_by_role("link", name="English")
    expect(english).to_have_attribute("lang", "en")
    english.click()

    expect(phone).to_have_url(re.compile(r"/mon-accueil$"))  # back on the same page
    expect(phone.locator("h1")).to_have_text(re.compile(r"^Hello "))
    expect(phone.get_by_role("heading", name="My children")).to_be_visible()
    open_menu(phone)
    expect(phone.get_by_role("navigation", name="Main menu").get_by_role("link", name="My home")).to_be_visible()
    check_english(phone)

    phone.get_by_role("link", name=re.compile(r"^Agenda of Léa")).first.click()
    expect(phone.locator("h1")).to_have_text(re.compile(r"^Agenda of Léa — week of Monday 23 November"))
    phone.get_by_text("Until when to book and cancel").click()  # folded on the week page
    expect(phone.get_by_text(re.compile(r": (Booking|Cancelling) possible until")).first).to_be_visible()
    # (the accessible name joins the visually hidden part with a space; what matters is the English colon)
    previous = re.compile(r"^Previous week ?: week of Monday 16 November$")
    expect(phone.get_by_role("link", name=previous).first).to_be_visible()
    assert phone.locator(".visually-hidden", has_text="week of Monday 16 November").first.text_content().startswith(
        ": ")
    expect(phone.get_by_text(re.compile(r"Can be changed until \w+day \d+ \w+ at \d")).first).to_be_visible()
    if getattr(phone, "portail_javascript_disabled", False):
        expect(phone.get_by_role("button", name="Save").first).to_be_visible()
    check_english(phone)

    phone.goto("/planning")  # the choice is remembered from page to page (cookie)
    expect(phone.locator("h1")).to_have_text(re.compile(r"^Family planner — week of "))
    check_english(phone)

    phone.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(phone.locator("html")).to_have_attribute("lang", "fr")
    expect(phone.locator("h1")).to_have_text(re.compile(r"^Planning de la famille"))


def test_a_browser_in_english_gets_english_without_the_switch(new_page):
    page = new_page()
    # A browser set to English (the harness's contexts are French: their locale decides the header Chromium sends)
    page.route("**/*", lambda route: route.continue_(
        headers={**route.request.headers, "accept-language": "en-GB,en;q=0.9"}))
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Log in")).to_be_visible()
    check_english(page)
    page.goto("/connexion")
    expect(page.get_by_label(re.compile(r"^E-mail address"))).to_be_visible()
    check_english(page)
