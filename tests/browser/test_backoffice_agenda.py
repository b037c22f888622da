"""Back office in a real browser (demo commune): the activities pages, the settings form with errors and the
agent's agenda pass axe (WCAG 2.1 A/AA) and reflow at 320 px; an agent's htmx toggle without a reason is refused
aloud with the box restored, with a reason it is saved; the focus stays on the checkbox. Nothing is left changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, assert_axe_clean, assert_reflows, login

LEISURE = "Accueil de loisirs du mercredi"


def open_martin_agenda(page) -> None:
    page.goto("/gestion/familles?q=Martin")
    page.get_by_role("link", name="Famille Martin", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^Agenda de Léa")).click()


@pytest.mark.parametrize("link, h1", [
    (None, "Activités"),
    (f"Modifier les paramètres : {LEISURE}", f"Paramètres : {LEISURE}"),
    (f"Occupation du mois : {LEISURE}", re.compile(rf"^Occupation : {LEISURE} — ")),
])
def test_activity_pages_have_no_axe_violation_and_reflow(page, link, h1):
    login(page, *AGENT)
    page.goto("/gestion/activites")
    if link:
        page.get_by_role("link", name=link, exact=True).click()
    expect(page.locator("h1")).to_have_text(h1)
    assert_axe_clean(page)
    assert_reflows(page)


def test_settings_errors_are_summarised_focused_and_accessible(page):
    login(page, *AGENT)
    page.goto("/gestion/activites")
    page.get_by_role("link", name=f"Modifier les paramètres : {LEISURE}", exact=True).click()
    page.locator("#units-0-capacity").fill("-1")
    page.locator("#periods-0-end_date").fill("2020-01-01")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    expect(page.locator("#units-0-capacity")).to_have_attribute("aria-invalid", "true")
    assert_axe_clean(page)
    assert_reflows(page)


def test_agent_agenda_toggle_needs_a_reason_and_keeps_focus(page):
    login(page, *AGENT)
    open_martin_agenda(page)
    expect(page.locator("h1")).to_have_text(re.compile(r"^Agenda de Léa — "))
    assert_axe_clean(page)
    assert_reflows(page)
    box = page.locator("input[type=checkbox]").first
    was = box.is_checked()
    box.focus()
    page.keyboard.press("Space")
    expect(page.locator("#alert")).to_have_text("Indiquez le motif de la modification avant de cocher.")
    expect(box).to_be_checked(checked=was)
    expect(box).to_be_focused()

    page.locator("#reason").fill("Vérification du back-office")
    for wanted in (not was, was):  # change it, then put it back as it was
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked(checked=wanted)
        expect(page.locator("#status")).to_have_text(re.compile(r" réservé\.$" if wanted else r" annulé\.$"))
        expect(page.locator("#alert")).to_be_empty()
        expect(box).to_be_focused()


def test_agent_agenda_opens_at_the_reason_field_which_stays_in_view_and_a_missing_reason_is_said_at_the_box(page):
    """On a 1024 px tablet: the agenda opens on the week, at the top where the reason is typed (never at an anchor
    past it); down a long month the reason field stays in view; a box ticked without a reason says so next to
    itself, with a link to the field."""
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, *AGENT)
    open_martin_agenda(page)
    expect(page).to_have_url(re.compile(r"/gestion/enfants/\d+/agenda/semaine/2026-11-23$"))
    reason = page.get_by_label(re.compile(r"^Motif de la modification"))
    expect(reason).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0

    page.get_by_role("link", name="Tout le mois de novembre 2026").click()
    expect(page.locator("h1")).to_have_text("Agenda de Léa — novembre 2026")
    box = page.locator("form.agenda input[type=checkbox]").last  # the end of the month, screens below the field
    was = box.is_checked()
    box.focus()
    page.keyboard.press("Space")
    expect(page.locator("#alert")).to_have_text("Indiquez le motif de la modification avant de cocher.")
    key = box.get_attribute("id").removeprefix("cb-")
    line = page.locator(f"#rf-{key}")
    expect(line).to_have_text("Non enregistré : indiquez d'abord le motif de la modification. Aller au motif")
    expect(box).to_be_checked(checked=was)
    expect(box).to_be_focused()
    for seen in (box, line, reason):  # the box, why it was refused and where to type the reason: all in view
        expect(seen).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 1000
    assert_axe_clean(page)
    line.get_by_role("link", name="Aller au motif").click()
    expect(reason).to_be_focused()
