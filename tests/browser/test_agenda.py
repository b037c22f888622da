"""The family's monthly agenda in a real browser (demo commune, clock pinned to Monday 2026-11-23 10:00 Paris).

Léa Martin's agenda (her id is read from the dashboard link "Agenda de Léa"), in every state the accessibility
guide lists: an open month with past and locked days, a month with a full day and a waiting list, a refusal said
by htmx, the no-JS save with its error summary. Each state has no axe-core violation (WCAG 2.1 A/AA) and reflows
at 320 x 256 CSS px; so do the pages around it (same slots every week, family planning, calendar subscription;
absences and certificates: test_absences.py). With JavaScript, a box committed with the keyboard keeps focus and
the live region says what happened; without it, "Enregistrer" saves the month and refusals are listed precisely.

Every change made here is undone through the interface, and a snapshot of the touched days is put back in the
database afterwards in any case (the live server's database is shared by the whole browser session).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

import demo
from blueprints.reservations.wording import format_date
from tests.browser.helpers import (
    PARENT,
    assert_skip_link_first,
    check_page,
    focused,
    open_menu,
)

TODAY = dt.date(2026, 11, 23)  # the pinned clock's day (conftest.DEFAULT_NOW): the demo is seeded around it
CLOSURE = demo.closure_day(TODAY)  # "Fermeture exceptionnelle", every activity
DEPENDENCY = "le repas se réserve avec la matinée ou l'après-midi du même jour."
# Léa has a "Repas" in three activities and a "Matin"/"Après-midi" in both leisure centres: each names its service.
CANTEEN_MEAL = "Repas (restauration scolaire)"
HOLIDAY_MEAL = "Repas (accueil de loisirs des vacances)"
WEDNESDAY = "(accueil de loisirs du mercredi)"
_lea_id: dict[str, int] = {}


# --------------------------------------------------------------------------- helpers


def lea_id(page) -> int:
    """Léa's id, as a parent finds her agenda: the dashboard link "Agenda de Léa" (read once per session)."""
    if "id" not in _lea_id:
        page.goto("/mon-accueil")
        href = page.get_by_role("link", name="Agenda de Léa", exact=True).get_attribute("href")
        _lea_id["id"] = int(re.search(r"/enfants/(\d+)/agenda", href).group(1))
    return _lea_id["id"]


def month_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def open_month(page, ym: str) -> int:
    child_id = lea_id(page)
    page.goto(f"/enfants/{child_id}/agenda/{ym}")
    month = dt.date.fromisoformat(f"{ym}-01")
    expect(page.locator("h1")).to_have_text(re.compile(rf"^Agenda de Léa — \S+ {month.year}$"))
    return child_id


def box(page, name: str):
    """The checkbox whose accessible name is `name` ("Repas du lundi 21 décembre")."""
    return page.get_by_role("checkbox", name=name, exact=True)


def slot_of(page, name: str):
    """The slot block (checkbox or not) of "Repas du mardi 24 novembre"."""
    return page.locator(".slot").filter(has_text=name)


def press_space_on(page, checkbox) -> str:
    """Focus the box, press Space, return its id (to check focus by id after the swap)."""
    checkbox.focus()
    remember_focused_node(page)
    page.keyboard.press("Space")
    return checkbox.get_attribute("id")


def remember_focused_node(page) -> None:
    page.evaluate("window.portailPressed = document.activeElement")


def expect_focus_on(page, box_id: str) -> None:
    """Focus is on the box with this id, and it is the very node that was pressed: the answer updated the slot
    around it instead of swapping it away (a replaced node that gets focus back is announced again, and VoiceOver
    may lose its place)."""
    expect(page.locator(f"#{box_id}")).to_be_focused()
    assert page.evaluate("document.activeElement.id") == box_id
    assert page.evaluate("document.activeElement === window.portailPressed"), (
        f"#{box_id} was replaced by the answer: focus came back to a new node"
    )


def mark_live_regions(page) -> None:
    """Tag #status and #alert so a test can check they were updated in place, never replaced."""
    page.evaluate("['status', 'alert'].forEach(id => document.getElementById(id).dataset.original = 'yes')")


def expect_live_regions_kept(page) -> None:
    for region in ("#status", "#alert"):
        expect(page.locator(region)).to_have_attribute("data-original", "yes")
    expect(page.get_by_role("status")).to_have_count(1)


@contextlib.contextmanager
def days_restored(live_server, *days: dt.date):
    """Put every reservation of these days (all children) back as it was, and drop the audit rows added meanwhile:
    a safety net under the interface's own undo (and the only way to give a waiting-list place back its rank)."""
    from sqlalchemy import delete, func, insert, select

    from models import Reservation, ReservationChange

    table = Reservation.__table__

    def snapshot(db):
        rows = db.session.execute(select(table).where(table.c.date.in_(days))).mappings().all()
        last_change = db.session.execute(select(func.max(ReservationChange.id))).scalar() or 0
        return [dict(r) for r in rows], last_change

    rows, last_change = live_server.query(snapshot)
    try:
        yield
    finally:

        def restore(db):
            db.session.execute(delete(table).where(table.c.date.in_(days)))
            if rows:
                db.session.execute(insert(table), rows)
            db.session.execute(delete(ReservationChange).where(ReservationChange.id > last_change))
            db.session.commit()

        live_server.query(restore)


@pytest.fixture(autouse=True)
def _demo_day(live_server):
    """The expected sentences and states are those of the demo seen on Monday 2026-11-23 (conftest's default)."""
    if live_server.clock().date() != TODAY:
        pytest.skip("the agenda journeys expect the default pinned clock (BROWSER_TEST_NOW unset)")


@pytest.fixture
def parent(logged_in):
    """Sophie Martin, logged in, JavaScript on."""
    return logged_in(*PARENT)


@pytest.fixture
def parent_nojs(logged_in):
    """Sophie Martin, logged in, JavaScript off."""
    return logged_in(*PARENT, java_script_enabled=False)


# --------------------------------------------------------------------------- open month, keyboard, htmx toggle


def test_open_month_states_keyboard_order_and_htmx_toggle_keeping_focus(parent, live_server):
    page = parent
    open_month(page, "2026-11")
    expect(page).to_have_title(re.compile(r"^Agenda de Léa — novembre 2026 — "))
    assert_skip_link_first(page)

    # Past, locked, closed and open days say so in words; a locked slot has no checkbox, only its reason.
    expect(slot_of(page, "Accueil du matin du lundi 2 novembre")).to_contain_text("Jour passé")
    expect(page.locator(".day--closed").filter(has_text="Mercredi 11 novembre")).to_contain_text("Fermé (Armistice)")
    locked = slot_of(page, f"{CANTEEN_MEAL} du mardi 24 novembre")
    expect(locked).to_contain_text("Réservé — Modifications closes depuis le vendredi 20 novembre à 10 h")
    expect(locked.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("group", name="Mardi 24 novembre", exact=True)).to_be_visible()
    morning = box(page, "Accueil du matin du mardi 24 novembre")
    expect(morning).to_be_checked()
    expect(morning).to_have_accessible_description(re.compile(r"^Réservé — Modifiable jusqu'au lundi 23 novembre"))
    check_page(page)

    # Month navigation says where it goes.
    months = page.get_by_role("navigation", name="Changer de mois")
    expect(months.get_by_role("link", name="Mois précédent : octobre 2026", exact=True)).to_have_attribute(
        "href", re.compile(r"/agenda/2026-10$")
    )
    expect(months.get_by_role("link", name="Mois suivant : décembre 2026", exact=True)).to_have_attribute(
        "href", re.compile(r"/agenda/2026-12$")
    )

    # Tab order from main: breadcrumb, months, the two actions, the rules (folded or not), the week anchors, then
    # the first box that can still change (Tuesday 24: Monday 23 has started), the other boxes and out to the
    # footer ("Enregistrer" is for the no-JS form: hidden when htmx saves each box).
    page.locator("#contenu").focus()
    stops, texts = [], []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        texts.append(stop["id"] if stop["type"] == "checkbox" else stop["text"])
        if stop["text"] == "Accessibilité : non conforme":
            break
    assert texts[:12] == [
        "Mon accueil",
        "Mois précédent : octobre 2026",
        "Mois suivant : décembre 2026",
        "Cette semaine seulement",
        "Signaler une absence",
        "Réserver les mêmes créneaux chaque semaine",
        "Jusqu'à quand réserver et annuler",
        "Semaine du lundi 2 novembre",
        "Semaine du lundi 9 novembre",
        "Semaine du lundi 16 novembre",
        "Semaine du lundi 23 novembre (cette semaine)",
        "Semaine du lundi 30 novembre",
    ], texts
    boxes = [s for s in stops if s["type"] == "checkbox"]
    assert boxes and boxes[0]["id"] == morning.get_attribute("id"), texts
    assert len(boxes) == page.locator("form.agenda input[type=checkbox]").count(), "a box is out of the Tab order"
    assert texts[-1] == "Accessibilité : non conforme" and stops[-2]["type"] == "checkbox", texts  # no trap
    expect(page.get_by_role("button", name="Enregistrer")).to_be_hidden()

    # A week anchor moves focus (and the view) to that week; the next Tab is that week's first open box.
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_role("link", name="Semaine du lundi 23 novembre (cette semaine)").focus()
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="Semaine du lundi 23 novembre (cette semaine)")
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(morning).to_be_focused()

    # Space commits through htmx; focus stays on the same box, the live region says it; then put it back.
    status = page.locator("#status")
    mark_live_regions(page)
    with days_restored(live_server, dt.date(2026, 11, 24)):
        remember_focused_node(page)
        with page.expect_request(lambda r: r.method == "POST" and r.headers.get("hx-request") == "true"):
            page.keyboard.press("Space")
        expect(status).to_have_text("Accueil du matin du mardi 24 novembre annulé.")
        morning_id = morning.get_attribute("id")
        expect_focus_on(page, morning_id)
        expect(morning).not_to_be_checked()
        expect(slot_of(page, "Accueil du matin du mardi 24 novembre")).to_contain_text("Non réservé")
        expect(slot_of(page, "Accueil du matin du mardi 24 novembre")).to_have_class(re.compile(r"\bslot--free\b"))
        expect(page.locator("#alert")).to_be_empty()

        page.keyboard.press("Space")
        expect(status).to_have_text("Accueil du matin du mardi 24 novembre réservé.")
        expect_focus_on(page, morning_id)
        expect(morning).to_be_checked()
        expect_live_regions_kept(page)

    page.reload()
    expect(box(page, "Accueil du matin du mardi 24 novembre")).to_be_checked()


# --------------------------------------------------------------------------- refusals


def test_htmx_refusal_is_said_in_the_alert_and_restores_the_box_with_focus(parent, live_server):
    page = parent
    child_id = open_month(page, month_of(CLOSURE))
    assert month_of(CLOSURE) == "2026-12"  # the same page holds the Christmas holidays (holiday leisure centre)
    check_page(page)  # a closure ("Fermé (Fermeture exceptionnelle …)") and open days
    expect(page.locator(".day--closed").filter(has_text=format_date(CLOSURE).capitalize())).to_contain_text(
        "Fermeture exceptionnelle"
    )

    meal = box(page, f"{HOLIDAY_MEAL} du lundi 21 décembre")  # ALSH holidays: a meal needs a half-day
    expect(meal).not_to_be_checked()
    mark_live_regions(page)
    with days_restored(live_server, dt.date(2026, 12, 21)):
        meal_id = press_space_on(page, meal)
        expect(page.locator("#alert")).to_have_text(f"{HOLIDAY_MEAL} du lundi 21 décembre : {DEPENDENCY}")
        expect(meal).not_to_be_checked()
        expect_focus_on(page, meal_id)
        expect(page.locator("#status")).to_be_empty()
        expect(slot_of(page, f"{HOLIDAY_MEAL} du lundi 21 décembre")).to_contain_text("Non réservé")
        expect(meal).to_have_accessible_description(re.compile(rf"Non enregistré : {re.escape(DEPENDENCY)}$"))
        expect_live_regions_kept(page)
        check_page(page)  # the alert shown

    # A locked slot has no checkbox: a forged request (valid session and CSRF token) is refused by the server,
    # which answers with the alert and the true state, and changes nothing.
    open_month(page, "2026-11")
    locked = slot_of(page, f"{CANTEEN_MEAL} du mardi 24 novembre")
    unit_id, day = re.fullmatch(r"slot-(\d+)-(\d{4}-\d\d-\d\d)", locked.get_attribute("id")).groups()
    token = json.loads(page.locator("body").get_attribute("hx-headers"))["X-CSRFToken"]
    with days_restored(live_server, dt.date.fromisoformat(day)):
        answer = page.request.post(
            f"/enfants/{child_id}/reservations",
            form={"unit": unit_id, "date": day},  # box unticked: wants a cancellation
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        assert answer.ok, answer.status
        body = answer.text()
        alert = re.search(r'<div id="alert"[^>]*>(.*?)</div>', body, re.S)
        assert (
            alert
            and f"{CANTEEN_MEAL} du mardi 24 novembre : les annulations sont closes depuis le vendredi 20 novembre "
            "à 10 h." in alert.group(1)
        ), body
        status_html = re.search(r'<div id="status"[^>]*>(.*?)</div>', body, re.S)
        assert status_html and not status_html.group(1).strip(), body
        slot_html = re.search(rf'<div class="slot slot--(\w+)[^"]*" id="slot-{unit_id}-{day}"', body)
        assert slot_html and slot_html.group(1) == "reserved", body  # the true state goes back with the refusal
        page.reload()
        expect(slot_of(page, f"{CANTEEN_MEAL} du mardi 24 novembre")).to_contain_text("Réservé — Modifications closes")


# --------------------------------------------------------------------------- without JavaScript


def test_month_form_without_javascript_saves_confirms_and_lists_refusals(parent_nojs, live_server):
    page = parent_nojs
    open_month(page, "2026-12")
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    check_page(page)

    thursday = dt.date(2026, 12, 3)
    with days_restored(live_server, thursday, dt.date(2026, 12, 21)):
        box(page, "Accueil du matin du jeudi 3 décembre").check()  # free
        box(page, "Accueil du soir du jeudi 3 décembre").uncheck()  # reserved
        box(page, f"{HOLIDAY_MEAL} du lundi 21 décembre").check()  # refused: no half-day that day
        page.get_by_role("button", name="Enregistrer").click()

        expect(page).to_have_url(re.compile(r"/agenda/2026-12$"))  # PRG: back on the month
        status = page.get_by_role("status")
        expect(status).to_contain_text("Accueil du matin du jeudi 3 décembre réservé.")
        expect(status).to_contain_text("Accueil du soir du jeudi 3 décembre annulé.")
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text("Il y a 1 erreur à corriger")
        expect(summary.get_by_role("link", name=f"{HOLIDAY_MEAL} du lundi 21 décembre : {DEPENDENCY}")).to_be_visible()
        expect(summary).to_be_focused()
        expect(page).to_have_title(re.compile(r"^Erreur : Agenda de Léa — décembre 2026"))
        expect(box(page, "Accueil du matin du jeudi 3 décembre")).to_be_checked()
        expect(box(page, "Accueil du soir du jeudi 3 décembre")).not_to_be_checked()
        expect(box(page, f"{HOLIDAY_MEAL} du lundi 21 décembre")).not_to_be_checked()  # the true state
        # ... and the slot says why, next to the box.
        expect(slot_of(page, f"{HOLIDAY_MEAL} du lundi 21 décembre")).to_contain_text(f"Non enregistré : {DEPENDENCY}")
        check_page(page)
        # The summary's link leads to the refused slot's box, which takes focus.
        summary.get_by_role("link").press("Enter")
        expect(page).to_have_url(re.compile(r"#cb-\d+-2026-12-21$"))
        expect(box(page, f"{HOLIDAY_MEAL} du lundi 21 décembre")).to_be_focused()

        # Undo through the same form: no refusal any more, the title loses its "Erreur : ".
        box(page, "Accueil du matin du jeudi 3 décembre").uncheck()
        box(page, "Accueil du soir du jeudi 3 décembre").check()
        page.get_by_role("button", name="Enregistrer").click()
        expect(status).to_contain_text("Accueil du matin du jeudi 3 décembre annulé.")
        expect(status).to_contain_text("Accueil du soir du jeudi 3 décembre réservé.")
        expect(page.locator(".error-summary")).to_have_count(0)
        expect(page).to_have_title(re.compile(r"^Agenda de Léa — décembre 2026"))


# --------------------------------------------------------------------------- the pages around the agenda


def test_same_slots_every_week_form_and_result(parent):
    page = parent
    open_month(page, "2026-12")
    page.get_by_role("link", name="Réserver les mêmes créneaux chaque semaine").click()
    expect(page.locator("h1")).to_have_text("Réserver les mêmes créneaux chaque semaine pour Léa")
    check_page(page)

    # Holiday meals on Mondays, this month: 21 December is refused (no half-day), 28 December is already booked.
    # Nothing changes in the database.
    page.get_by_role("checkbox", name="Lundi (Repas (vacances scolaires))").check()
    expect(page.get_by_role("radio", name="Ce mois-ci")).to_be_checked()
    expect(page.get_by_role("radio", name="Réserver")).to_be_checked()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("h1")).to_have_text("Résultat : les mêmes créneaux chaque semaine")
    expect(page).to_have_title(re.compile(r"^Résultat : "))
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^0 créneaux? réservés? ou mis en liste d'attente\. 1 refusé : voir le détail ci-dessous\.$")
    )
    lea = page.get_by_role("region", name="Léa")
    expect(lea.get_by_role("heading", name="Refusé (1)")).to_be_visible()
    expect(lea.get_by_role("listitem")).to_have_text([f"Repas du lundi 21 décembre : {DEPENDENCY}"])
    expect(lea).to_contain_text("1 jour était déjà comme demandé.")
    check_page(page)


def test_family_planning_week_and_month(parent):
    page = parent
    page.goto("/mon-accueil")
    open_menu(page)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Planning").click()
    expect(page.locator("h1")).to_have_text("Planning de la famille — semaine du lundi 23 novembre 2026")
    expect(page.get_by_role("table")).to_contain_text("Léa")
    check_page(page)
    page.get_by_role("link", name="Tout le mois de novembre 2026").click()
    expect(page.locator("h1")).to_have_text("Planning de la famille — novembre 2026")
    check_page(page)


def test_calendar_subscription_page_without_and_with_a_link(parent):
    page = parent
    page.goto("/mon-accueil")
    page.get_by_role("link", name="Abonnement calendrier de Léa").click()
    expect(page.locator("h1")).to_have_text("Abonnement calendrier de Léa")
    create = page.get_by_role("button", name="Créer le lien d'abonnement")
    if create.count():  # the demo starts without a link; create one, check the page, then delete it again
        check_page(page)
        create.click()
        expect(page.get_by_role("status")).to_contain_text("Lien d'abonnement créé.")
        expect(page.get_by_label("Lien de l'abonnement de Léa")).to_have_value(re.compile(r"^https?://.+/"))
        check_page(page)
        page.get_by_role("button", name="Supprimer le lien").click()
        page.get_by_role("button", name="Oui, supprimer le lien").click()  # the confirm step
        expect(page.get_by_role("status")).to_contain_text("Lien supprimé")
        expect(page.get_by_role("button", name="Créer le lien d'abonnement")).to_be_visible()
    else:
        check_page(page)
