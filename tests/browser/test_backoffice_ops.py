"""Back-office operations in a real browser, agent on a tablet (1024 px): a closure is confirmed before anything is
cancelled, and deleting one says that the bookings are not restored; the list of names of a full Wednesday
(booked, waiting list in order) prints on A4 and downloads as CSV; the history of a child and of a day, filtered
without JavaScript, with bad values answered next to the field. Every state passes axe and reflows at 320 px.

Nothing is left changed: the only closure confirmed is on a day without bookings and is deleted again; the history
lines written for the test are removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, assert_axe_clean, assert_reflows

LEISURE = "Accueil de loisirs du mercredi"
TABLET = {"width": 1024, "height": 768}
FULL_DAY = dt.date(2027, 1, 13)  # demo.FULL_WEDNESDAYS: 24 places taken on each unit, 3 children waiting
EMPTY_DAY = dt.date(2026, 12, 23)  # a Wednesday of the Christmas holidays: no leisure-centre bookings


@pytest.fixture
def agent(logged_in):
    page = logged_in(*AGENT)
    page.set_viewport_size(TABLET)
    return page


@pytest.fixture
def agent_nojs(logged_in):
    page = logged_in(*AGENT, java_script_enabled=False)
    page.set_viewport_size(TABLET)
    return page


def open_settings(page) -> None:
    page.goto("/gestion/activites")
    page.get_by_role("link", name=f"Modifier les paramètres : {LEISURE}", exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Paramètres : {LEISURE}")


def closures_of(live_server) -> list:
    from models import Closure

    return live_server.query(lambda db: sorted((c.date, c.reason) for c in db.session.query(Closure).all()))


def ask_closure(page, day: dt.date, reason: str) -> None:
    page.get_by_label(re.compile(r"^Date")).fill(day.isoformat())
    page.get_by_label(re.compile(r"^Motif affiché aux familles")).fill(reason)
    page.get_by_role("button", name="Ajouter la fermeture").click()


def test_a_closure_is_confirmed_first_and_its_deletion_says_nothing_comes_back(agent, live_server):
    before = closures_of(live_server)
    open_settings(agent)

    # A full day: the page says what would be cancelled, and "Annuler" leaves everything as it was.
    ask_closure(agent, FULL_DAY, "Grève")
    expect(agent.locator("h1")).to_have_text("Confirmer la fermeture du mercredi 13 janvier 2027")
    expect(agent.locator("#closure-impact")).to_have_text(re.compile(
        r"^Fermeture du mercredi 13 janvier : 72 réservations et 9 places en liste d'attente seront annulées, "
        r"\d+ familles prévenues par e-mail\.$"))
    assert_axe_clean(agent)
    assert_reflows(agent)
    agent.screenshot(path="/tmp/ops-closure-confirm-1024.png", full_page=True)
    agent.get_by_role("link", name=re.compile(r"^Annuler")).click()
    expect(agent.locator("h1")).to_have_text(f"Paramètres : {LEISURE}")
    assert closures_of(live_server) == before

    # A day without bookings is confirmed the same way, then deleted through its own confirmation.
    ask_closure(agent, EMPTY_DAY, "Essai du service")
    expect(agent.locator("#closure-impact")).to_have_text(
        "Fermeture du mercredi 23 décembre : aucune réservation ni place en liste d'attente ce jour-là, aucune famille "
        "à prévenir.")
    assert_axe_clean(agent)
    agent.get_by_role("button", name="Confirmer la fermeture").click()
    expect(agent.locator("#status")).to_contain_text("Fermeture du mercredi 23 décembre ajoutée")
    assert (EMPTY_DAY, "Essai du service") in closures_of(live_server)

    agent.get_by_role("link", name="Supprimer la fermeture du mercredi 23 décembre 2026").click()
    expect(agent.locator("h1")).to_have_text("Supprimer la fermeture du mercredi 23 décembre 2026")
    expect(agent.get_by_text("Les réservations annulées ne sont pas rétablies : les familles doivent réserver de "
                             "nouveau.")).to_be_visible()
    assert_axe_clean(agent)
    assert_reflows(agent)
    agent.screenshot(path="/tmp/ops-closure-delete-1024.png", full_page=True)
    agent.get_by_role("button", name="Supprimer la fermeture").click()
    expect(agent.locator("#status")).to_contain_text("Fermeture du mercredi 23 décembre supprimée")
    assert closures_of(live_server) == before


def test_the_names_of_a_full_wednesday_print_on_a4_and_download_as_csv(agent):
    agent.goto("/gestion/activites")
    agent.get_by_role("link", name=f"Occupation du mois : {LEISURE}", exact=True).click()
    agent.get_by_role("link", name=re.compile(r"^Mois suivant")).click()
    agent.get_by_role("link", name=re.compile(r"^Mois suivant")).click()
    expect(agent.locator("h1")).to_have_text(f"Occupation : {LEISURE} — janvier 2027")
    assert_axe_clean(agent)
    agent.get_by_role("link", name="Voir la liste : Matin, mercredi 13 janvier").click()
    expect(agent.locator("h1")).to_have_text("Matin du mercredi 13 janvier 2027")
    expect(agent.locator("#inscrits")).to_have_text("Enfants inscrits (24)")
    waiting = agent.get_by_role("region", name=re.compile(r"^Liste d'attente \(3\)")).locator("tbody tr")
    expect(waiting).to_have_count(3)
    expect(waiting.first).to_contain_text("Martin Léa")  # first in arrival order (demo)
    expect(waiting.nth(1)).to_contain_text("Martin Hugo")
    expect(agent.get_by_role("button", name="Imprimer la liste")).to_be_visible()  # with JavaScript
    assert_axe_clean(agent)
    assert_reflows(agent)
    agent.screenshot(path="/tmp/ops-day-list-1024.png", full_page=True)

    with agent.expect_download() as download:
        agent.get_by_role("link", name="Télécharger la liste (CSV, tableur)").click()
    assert download.value.suggested_filename == "liste-alsh-mercredi-2027-01-13-matin.csv"
    data = open(download.value.path(), "rb").read()
    assert data.startswith("\ufeffNom;Prénom;Classe;École;État;Rang en liste d'attente;".encode())
    assert data.count(b"\r\n") == 1 + 24 + 3

    # Printed on A4 (about 718 CSS px between 12 mm margins): the list alone, nothing cut on the right.
    agent.emulate_media(media="print")
    agent.set_viewport_size({"width": 718, "height": 1000})
    for hidden in (".site-header", ".site-footer", ".breadcrumb", "ul.actions"):
        expect(agent.locator(hidden).first).to_be_hidden()
    expect(agent.locator("h1")).to_be_visible()
    assert agent.evaluate("document.documentElement.scrollWidth") <= 718
    agent.screenshot(path="/tmp/ops-day-list-print.png", full_page=True)
    agent.emulate_media(media="screen")


@pytest.fixture
def lea_history(live_server):
    """Two lines in Léa's history (an agent's booking, an automatic promotion), removed afterwards."""
    from models import Person, ReservationChange, Unit, User

    def add(db):
        lea = db.session.query(Person).filter_by(first_name="Léa", role="child").one()
        meal = db.session.query(Unit).filter_by(label="Repas", slot="meal").order_by(Unit.id).first()
        agent = db.session.query(User).filter_by(email=AGENT[0]).one()
        at = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.timezone.utc)  # after the pinned clock: newest of all
        rows = [ReservationChange(child_id=lea.id, unit_id=meal.id, date=dt.date(2026, 11, 27), before=None,
                                  after="reserved", actor_id=agent.id, via="agent", reason="Appel de la mère", at=at),
                ReservationChange(child_id=lea.id, unit_id=meal.id, date=dt.date(2026, 11, 26), before="waiting",
                                  after="reserved", actor_id=None, via="system", reason="Place libérée",
                                  at=at + dt.timedelta(hours=1))]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]

    ids = live_server.query(add)
    yield
    live_server.query(lambda db: (db.session.query(ReservationChange).filter(ReservationChange.id.in_(ids))
                                  .delete(synchronize_session=False), db.session.commit()))


def test_history_of_a_child_filtered_without_javascript(agent_nojs, lea_history):
    page = agent_nojs
    page.goto("/gestion/familles?q=Martin")
    page.get_by_role("link", name="Famille Martin", exact=True).click()
    page.get_by_role("link", name="Historique des réservations de Léa").click()
    expect(page.locator("h1")).to_have_text("Historique de Léa Martin")
    rows = page.locator("table.history tbody tr")
    expect(rows.first).to_contain_text("Place libérée")  # newest first
    expect(rows.first).to_contain_text("Liste d'attente → devient Réservé")
    assert_axe_clean(page)
    assert_reflows(page)
    page.screenshot(path="/tmp/ops-history-1024.png", full_page=True)

    page.get_by_label("Du", exact=True).fill("2026-11-27")
    page.get_by_label("Au", exact=True).fill("2026-11-24")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    message = "Le dernier jour doit être le même jour que le premier ou après."
    expect(page.locator("#au-error")).to_contain_text(message)
    expect(page.locator(".error-summary a")).to_have_text(message)
    assert_axe_clean(page)
    assert_reflows(page)
    page.screenshot(path="/tmp/ops-history-error-1024.png", full_page=True)

    page.get_by_label("Au", exact=True).fill("")
    page.get_by_label(re.compile(r"^Canal")).select_option(label="Gestion (agent)")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"\?du=2026-11-27&au=&creneau=&canal=agent&auteur=$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Appel de la mère")


def test_history_of_a_day_from_its_list_of_names(agent, lea_history):
    agent.goto("/gestion/activites")
    agent.get_by_role("link", name=f"Occupation du mois : {LEISURE}", exact=True).click()
    agent.get_by_role("link", name="Voir la liste : Repas, mercredi 25 novembre").click()
    agent.get_by_role("link", name="Historique de ce jour").click()
    expect(agent.locator("h1")).to_have_text(f"Historique : Repas du mercredi 25 novembre 2026 ({LEISURE})")
    expect(agent.get_by_label("Du", exact=True)).to_have_value("2026-11-25")
    expect(agent.get_by_label(re.compile(r"^Activité ou créneau"))).to_have_value(re.compile(r"^u\d+$"))
    assert_axe_clean(agent)
    assert_reflows(agent)


def test_without_javascript_the_list_has_no_dead_print_button(agent_nojs):
    page = agent_nojs
    page.goto("/gestion/activites")
    page.get_by_role("link", name=f"Occupation du mois : {LEISURE}", exact=True).click()
    page.get_by_role("link", name="Voir la liste : Matin, mercredi 25 novembre").click()
    expect(page.locator("h1")).to_have_text("Matin du mercredi 25 novembre 2026")
    expect(page.get_by_role("button", name="Imprimer la liste")).to_be_hidden()
    expect(page.get_by_role("link", name="Télécharger la liste (CSV, tableur)")).to_be_visible()
    assert_axe_clean(page)
    assert_reflows(page)
