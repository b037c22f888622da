"""Foundation journeys in a real browser: login (with and without JavaScript), invitation link, the public pages,
the parent's and the agent's pages; on each page axe-core finds no WCAG 2.1 A/AA violation and the layout reflows
at 320 px without horizontal scrolling; the keyboard reaches the skip link first and the login form in order."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    AGENT,
    EMAIL_LABEL,
    PARENT,
    PASSWORD_LABEL,
    assert_axe_clean,
    assert_reflows,
    assert_skip_link_first,
    focused,
    login,
    logout,
    open_menu,
)

USERS = {"parent": PARENT, "agent": AGENT}
NEW_PASSWORD_LABEL = re.compile(r"^Nouveau mot de passe")
CONFIRM_LABEL = re.compile(r"^Confirmez le mot de passe")
LINK_IN_MAIL = re.compile(r"https?://\S+/activer/\S+")

# (who is logged in, address, link to follow from there, expected h1)
PAGES = {
    "accueil": (None, "/", None, "Portail Familles — Ville de Démo-sur-Loire"),
    "connexion": (None, "/connexion", None, "Se connecter"),
    "mot-de-passe-oublie": (None, "/mot-de-passe-oublie", None, "Mot de passe oublié ou lien d'activation expiré"),
    "accessibilite": (None, "/accessibilite", None, "Déclaration d'accessibilité"),
    "mentions-legales": (None, "/mentions-legales", None, "Mentions légales"),
    "plan-du-site": (None, "/plan-du-site", None, "Plan du site"),
    "contact": (None, "/contact", None, "Contacter le service Enfance"),
    "page-introuvable": (None, "/cette-page-n-existe-pas", None, "Page introuvable"),
    "lien-non-valable": (None, "/activer/lien-inconnu", None, "Lien non valable"),
    "mon-accueil": ("parent", "/mon-accueil", None, "Bonjour Sophie Martin"),
    "page-enfant": ("parent", "/mon-accueil", "Léa Martin", "Léa Martin"),
    "plan-du-site-parent": ("parent", "/plan-du-site", None, "Plan du site"),
    "gestion": ("agent", "/gestion/", None, "Gestion du service Enfance"),
    "familles": ("agent", "/gestion/familles", None, "Familles"),
    "familles-recherche": ("agent", "/gestion/familles?q=Martin", None, "Familles"),
    "famille": ("agent", "/gestion/familles?q=Martin", "Famille Martin", "Famille Martin"),
    "boite-envoi": ("agent", "/gestion/boite-envoi", None, "Boîte d'envoi (démo)"),
    "plan-du-site-agent": ("agent", "/plan-du-site", None, "Plan du site"),
}


def expect_h1(page, text) -> None:
    """The page has exactly one h1 and it says `text` (so the test knows it is on the page it meant)."""
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(text)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_axe_violation_and_reflows(new_page, logged_in, name):
    who, path, follow, h1 = PAGES[name]
    page = logged_in(*USERS[who]) if who else new_page()
    page.goto(path)
    if follow:
        page.get_by_role("link", name=follow, exact=True).click()
    expect_h1(page, h1)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_title(re.compile(r"^\S.* — Ville de Démo-sur-Loire$"))  # the page's own name first
    assert_axe_clean(page)
    assert_reflows(page)


def test_parent_reads_the_demo_logins_and_logs_in_by_the_visible_labels(page):
    page.goto("/")
    demo = page.get_by_role("region", name="Site de démonstration : comptes de test")
    expect(demo.get_by_role("row", name=re.compile("famille Martin"))).to_contain_text(PARENT[0])
    page.get_by_role("main").get_by_role("link", name="Se connecter").click()
    page.get_by_label(EMAIL_LABEL).fill(PARENT[0])
    page.get_by_label(PASSWORD_LABEL).fill(PARENT[1])
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/mon-accueil$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    expect(page.get_by_role("link", name="Léa Martin")).to_be_visible()
    expect(page.get_by_role("link", name="Hugo Martin")).to_be_visible()
    open_menu(page)
    expect(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon accueil")) \
        .to_have_attribute("aria-current", "page")


def test_login_errors_are_summarised_focused_and_accessible(page):
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Il y a 2 erreurs à corriger")
    expect(page).to_have_title(re.compile(r"^Erreur : Se connecter"))
    expect(summary).to_be_focused()
    expect(page.get_by_label(EMAIL_LABEL)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(EMAIL_LABEL)).to_have_accessible_description(re.compile("Saisissez votre adresse e-mail"))
    assert_axe_clean(page)
    assert_reflows(page)

    page.get_by_label(EMAIL_LABEL).fill(PARENT[0])
    page.get_by_label(PASSWORD_LABEL).fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".error-summary")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page).to_have_title(re.compile(r"^Erreur : Se connecter"))
    expect(page.locator(".error-summary")).to_be_focused()
    assert_axe_clean(page)
    assert_reflows(page)


def test_forgot_password_form_errors_and_sent_page(page):
    page.goto("/mot-de-passe-oublie")
    page.get_by_role("button", name="Recevoir un lien").click()
    expect(page.locator(".error-summary")).to_contain_text("Saisissez votre adresse e-mail.")
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    assert_axe_clean(page)
    assert_reflows(page)

    page.get_by_label(EMAIL_LABEL).fill("famille.bernard@example.org")
    page.get_by_role("button", name="Recevoir un lien").click()
    expect_h1(page, "Vérifiez vos e-mails")
    expect(page.get_by_role("status").filter(has_text="famille.bernard@example.org")).to_be_visible()
    assert_axe_clean(page)
    assert_reflows(page)


def invite_and_read_link(agent_page, family: str, guardian: str) -> str:
    """As a logged-in agent: invite `guardian` of `family`, then read the activation link in the demo outbox.

    Checks axe and reflow on each back-office page of the way (family page with its flash, outbox, message)."""
    agent_page.goto("/gestion/familles")
    agent_page.get_by_label("Rechercher une famille").fill(family)
    agent_page.get_by_role("button", name="Rechercher").click()
    agent_page.get_by_role("link", name=f"Famille {family}", exact=True).click()
    expect_h1(agent_page, f"Famille {family}")
    card = agent_page.locator(".card").filter(has=agent_page.get_by_role("heading", name=guardian, exact=True))
    email = re.search(r"\S+@\S+", card.locator("p").first.inner_text()).group(0)
    card.get_by_role("button", name=re.compile(rf"^Inviter la famille : {guardian}$")).click()
    expect(agent_page.get_by_role("status")).to_contain_text(f"Invitation envoyée à {email}")
    expect(card).to_contain_text("invitation envoyée, en attente d'activation")
    assert_axe_clean(agent_page)
    assert_reflows(agent_page)

    agent_page.get_by_role("link", name="Gestion", exact=True).first.click()
    agent_page.get_by_role("link", name="Boîte d'envoi (démo)").click()
    expect_h1(agent_page, "Boîte d'envoi (démo)")
    assert_axe_clean(agent_page)
    assert_reflows(agent_page)
    row = agent_page.get_by_role("row").filter(has_text=email).first  # newest first
    row.get_by_role("link", name="Activez votre espace sur le portail familles").click()
    expect_h1(agent_page, "Activez votre espace sur le portail familles")
    assert_axe_clean(agent_page)
    assert_reflows(agent_page)
    return LINK_IN_MAIL.search(agent_page.locator("pre").inner_text()).group(0)


def test_invited_parent_activates_the_account_then_the_link_is_used(new_page):
    agent = new_page()
    login(agent, *AGENT)
    link = invite_and_read_link(agent, "Lefèvre", "Aurélie Lefèvre")

    parent = new_page()
    parent.goto(link)
    expect_h1(parent, "Activer mon espace")
    assert_axe_clean(parent)
    assert_reflows(parent)

    parent.get_by_label(NEW_PASSWORD_LABEL).fill("Cartable-vert-et-3-crayons")
    parent.get_by_label(CONFIRM_LABEL).fill("Cartable-bleu-et-3-crayons")
    parent.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(parent.locator(".error-summary")).to_contain_text("Les deux mots de passe ne sont pas identiques.")
    expect(parent).to_have_title(re.compile(r"^Erreur : Activer mon espace"))
    expect(parent.get_by_label(CONFIRM_LABEL)).to_have_attribute("aria-invalid", "true")
    assert_axe_clean(parent)

    parent.get_by_label(NEW_PASSWORD_LABEL).fill("Cartable-vert-et-3-crayons")
    parent.get_by_label(CONFIRM_LABEL).fill("Cartable-vert-et-3-crayons")
    parent.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect_h1(parent, "Bonjour Aurélie Lefèvre")
    expect(parent.get_by_role("status")).to_contain_text("Votre mot de passe est enregistré.")
    assert_axe_clean(parent)

    again = new_page()
    again.goto(link)
    expect_h1(again, "Lien déjà utilisé")
    assert_axe_clean(again)
    assert_reflows(again)

    login(again, "aurelie.lefevre@example.org", "Cartable-vert-et-3-crayons")
    expect_h1(again, "Bonjour Aurélie Lefèvre")


def test_invitation_link_expires_after_24_hours(new_page, clock):
    agent = new_page()
    login(agent, *AGENT)
    link = invite_and_read_link(agent, "Le Gall-Moreau", "Yannick Moreau")
    clock.advance(hours=24, minutes=1)
    parent = new_page()
    parent.goto(link)
    expect_h1(parent, "Lien expiré")
    expect(parent.get_by_role("main")).to_contain_text("il expire 24 heures après son envoi")
    assert_axe_clean(parent)
    assert_reflows(parent)


def test_family_search_refreshes_the_results_announces_the_count_and_keeps_focus(logged_in):
    """Typing in the search refreshes the list (htmx); the count is said by the page's persistent live region
    (a region inserted with its text already in it is not reliably announced), focus stays in the field."""
    page = logged_in(*AGENT)
    page.goto("/gestion/familles")
    status = page.locator("#status")
    expect(status).to_be_empty()
    assert status.evaluate("e => getComputedStyle(e).display") != "none", "an undisplayed live region says nothing"
    status.evaluate("e => e.dataset.original = 'yes'")
    search = page.get_by_label("Rechercher une famille")
    search.press_sequentially("Bernard")
    expect(page.get_by_role("link", name="Famille Bernard", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Famille Martin", exact=True)).to_have_count(0)
    count = re.compile(r"^\d+ familles? trouvées?")
    expect(page.locator("#results-count")).to_have_text(count)
    expect(status).to_have_text(count)
    expect(status).to_have_attribute("data-original", "yes")  # updated in place, never replaced
    expect(page.get_by_role("status")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=Bernard"))
    expect(search).to_be_focused()
    assert_axe_clean(page)


def test_login_and_logout_work_without_javascript(page_nojs):
    page = page_nojs
    login(page, *PARENT)
    expect_h1(page, "Bonjour Sophie Martin")
    assert_axe_clean(page)
    logout(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté(e).")
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()
    page.goto("/mon-accueil")
    expect_h1(page, "Se connecter")  # logged out for real: the parent's page asks to log in again


@pytest.mark.parametrize("who, path", [(None, "/"), ("parent", "/mon-accueil")], ids=["accueil", "mon-accueil"])
def test_first_tab_reaches_the_skip_link(new_page, logged_in, who, path):
    page = logged_in(*USERS[who]) if who else new_page()
    page.goto(path)
    assert_skip_link_first(page)


def test_keyboard_only_login_tab_order_reaches_the_fields_then_the_button(page):
    """Tab from the top of /connexion: the skip link, header links, then e-mail, password, button, in that order;
    typing in each and pressing Enter on the button logs in."""
    page.goto("/connexion")
    stops = []
    for _ in range(15):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        if stop["name"] == "email":
            page.keyboard.type(PARENT[0])
        elif stop["name"] == "password":
            page.keyboard.type(PARENT[1])
        elif stop["tag"] == "button":
            break
    kinds = [(s["tag"], s["name"] or s["text"]) for s in stops]
    assert stops[0]["text"] == "Aller au contenu", kinds
    assert [s["name"] or s["text"] for s in stops[-3:]] == ["email", "password", "Se connecter"], kinds
    assert all(s["tag"] == "a" for s in stops[:-3]), f"unexpected stop before the form: {kinds}"
    page.keyboard.press("Enter")
    expect_h1(page, "Bonjour Sophie Martin")


def test_a_long_menu_folds_behind_a_button_on_a_phone(logged_in):
    """With JavaScript on a 375 px screen, the parent's 14-link menu folds behind "Menu" (a disclosure button that
    also carries the unread count); it opens and closes, both states axe-clean; on a tablet there is no button."""
    page = logged_in(*PARENT)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/mon-accueil")
    toggle = page.get_by_role("button", name=re.compile(r"^Menu"))
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Mes factures")).to_be_hidden()
    assert_axe_clean(page)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Mes factures")).to_be_visible()
    expect(toggle).to_be_focused()  # a disclosure: focus stays, the next Tab goes into the menu
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Accueil", exact=True)).to_be_focused()
    assert_axe_clean(page)
    toggle.click()
    expect(menu.get_by_role("link", name="Mes factures")).to_be_hidden()
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(toggle).to_be_hidden()
    expect(menu.get_by_role("link", name="Mes factures")).to_be_visible()


def test_without_javascript_the_menu_stays_open_on_a_phone(logged_in):
    page = logged_in(*PARENT, java_script_enabled=False)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/mon-accueil")
    expect(page.get_by_role("button", name=re.compile(r"^Menu"))).to_have_count(0)  # hidden: not in the tree
    expect(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes factures")) \
        .to_be_visible()
