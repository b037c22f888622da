"""The agenda as a new user tries it on a 375 px phone (issue #6): it opens on the current week; a refusal is seen
where the finger is; a place others want is never given up without a question (in the slot with JavaScript, on a
page of its own without); a waiting-list entry has its own state and button. Each new state has no axe violation
and reflows at 320 px (check_page). Demo commune, clock pinned to Monday 2026-11-23; the days used are found in the
live server's database (a full Wednesday Léa holds, one she waits for), and put back afterwards (days_restored)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PARENT, assert_axe_clean, assert_reflows
from tests.browser.test_agenda import (  # noqa: F401  (_demo_day: autouse, the states expect the pinned clock)
    DEPENDENCY,
    HOLIDAY_MEAL,
    WEDNESDAY,
    _demo_day,
    box,
    check_page,
    days_restored,
    expect_focus_on,
    expect_live_regions_kept,
    lea_id,
    mark_live_regions,
    press_space_on,
    remember_focused_node,
    slot_of,
)

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(logged_in):
    """Sophie Martin on a 375 px phone, JavaScript on."""
    page = logged_in(*PARENT)
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def phone_nojs(logged_in):
    page = logged_in(*PARENT, java_script_enabled=False)
    page.set_viewport_size(PHONE)
    return page


def open_week(page, day: dt.date) -> None:
    monday = day - dt.timedelta(days=day.weekday())
    page.goto(f"/enfants/{lea_id(page)}/agenda/semaine/{monday.isoformat()}")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Agenda de Léa — semaine du lundi "))


def wednesday_slot(live_server, child_id: int, slot: str, state: str, others: str) -> tuple[dt.date, str]:
    """The first Wednesday from the clock's day on which the child's leisure-centre `slot` is in `state` and other
    children are `others` (reserved, waiting) for it; with the slot's name as the agenda says it."""
    from sqlalchemy import exists, select
    from sqlalchemy.orm import aliased

    from blueprints.reservations import wording
    from models import Reservation, Unit

    def find(db):
        other = aliased(Reservation)
        day = db.session.execute(
            select(Reservation.date).join(Unit, Unit.id == Reservation.unit_id).where(
                Reservation.child_id == child_id, Reservation.state == state, Unit.slot == slot,
                Unit.capacity.is_not(None), Reservation.date > live_server.clock().date(),
                exists().where(other.unit_id == Reservation.unit_id, other.date == Reservation.date,
                               other.state == others))
            .order_by(Reservation.date)
        ).scalars().first()
        assert day is not None, f"no demo day where the child's {slot} is {state} and others are {others}"
        return day, wording.format_date(day)

    day, words = live_server.query(find)
    label = {"morning": "Matin", "afternoon": "Après-midi"}[slot]
    return day, f"{label} {WEDNESDAY} du {words}"


def stored(live_server, child_id: int, day: dt.date) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from models import Reservation

    return live_server.query(lambda db: sorted(db.session.execute(
        select(Reservation.unit_id, Reservation.state).where(Reservation.child_id == child_id,
                                                             Reservation.date == day)).all()))


# --------------------------------------------------------------------------- 6. the week, where the agenda opens


def test_the_agenda_opens_on_the_current_week_with_links_that_need_no_javascript(phone, phone_nojs):
    page = phone
    page.goto("/mon-accueil")
    page.get_by_role("link", name="Agenda de Léa", exact=True).click()
    expect(page).to_have_url(re.compile(r"/enfants/\d+/agenda/semaine/2026-11-23$"))
    expect(page.locator("h1")).to_have_text("Agenda de Léa — semaine du lundi 23 novembre 2026")
    expect(page.locator("fieldset legend")).to_have_text(
        ["Lundi 23 novembre (aujourd'hui)", "Mardi 24 novembre", "Mercredi 25 novembre", "Jeudi 26 novembre",
         "Vendredi 27 novembre"])
    # Slot labels say which service when the same word is used twice.
    expect(box(page, "Repas (restauration scolaire) du jeudi 26 novembre")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer")).to_be_hidden()  # each box is saved at once
    expect(page.get_by_text("Chaque case est enregistrée dès que vous la cochez ou la décochez.")).to_be_visible()
    check_page(page)
    page.get_by_role("navigation", name="Changer de semaine", exact=True).get_by_role("link", name=re.compile(
        r"^Semaine suivante")).click()
    expect(page.locator("h1")).to_have_text("Agenda de Léa — semaine du lundi 30 novembre 2026")
    page.get_by_role("link", name="Tout le mois de décembre 2026").click()
    expect(page.locator("h1")).to_have_text("Agenda de Léa — décembre 2026")

    # Without JavaScript: the same links, and the form's "Enregistrer".
    page = phone_nojs
    page.goto(f"/enfants/{lea_id(page)}/agenda")
    expect(page).to_have_url(re.compile(r"/agenda/semaine/2026-11-23$"))
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    expect(page.get_by_text("Chaque case est enregistrée dès que vous la cochez ou la décochez.")).to_be_hidden()
    page.get_by_role("link", name=re.compile(r"^Semaine précédente")).first.click()
    expect(page.locator("h1")).to_have_text("Agenda de Léa — semaine du lundi 16 novembre 2026")
    check_page(page)


def test_a_holiday_week_says_so(phone):
    page = phone
    page.goto("/mon-accueil")
    href = page.get_by_role("link", name="Agenda de Hugo", exact=True).get_attribute("href")
    page.goto(f"{href}/semaine/2026-12-21")
    week = page.get_by_role("region", name="Semaine du lundi 21 décembre : Vacances de Noël")
    expect(week).to_contain_text("Pas d'accueil pour Hugo cette semaine (Vacances de Noël).")
    expect(page.get_by_role("button", name="Enregistrer")).to_have_count(0)  # nothing to save
    check_page(page)


# --------------------------------------------------------------------------- 1. a refusal where the finger is


def test_a_refused_tap_is_said_next_to_the_box_and_announced(phone, live_server):
    page = phone
    day = dt.date(2026, 12, 21)
    open_week(page, day)
    name = f"{HOLIDAY_MEAL} du lundi 21 décembre"  # a meal alone, on a leisure day: refused
    meal = box(page, name)
    mark_live_regions(page)
    with days_restored(live_server, day):
        meal.scroll_into_view_if_needed()
        remember_focused_node(page)
        meal.click()
        expect(page.locator("#alert")).to_have_text(f"{name} : {DEPENDENCY}")
        line = slot_of(page, name).locator(".slot-refusal")
        expect(line).to_have_text(f"Non enregistré : {DEPENDENCY}")
        expect(line).to_be_in_viewport()  # seen where the finger is, not at the top of the page
        expect(meal).to_be_in_viewport()
        gap = line.bounding_box()["y"] - meal.bounding_box()["y"]
        assert 0 < gap < 200, f"the refusal is {gap} px below the box"
        expect(meal).not_to_be_checked()
        expect(meal).to_have_accessible_description(re.compile(rf"Non enregistré : {re.escape(DEPENDENCY)}$"))
        expect_live_regions_kept(page)
        check_page(page)


def test_without_javascript_the_refused_slot_says_why_after_saving(phone_nojs, live_server):
    page = phone_nojs
    day = dt.date(2026, 12, 21)
    open_week(page, day)
    name = f"{HOLIDAY_MEAL} du lundi 21 décembre"
    with days_restored(live_server, day):
        box(page, name).check()
        page.get_by_role("button", name="Enregistrer").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        summary.get_by_role("link", name=f"{name} : {DEPENDENCY}").click()
        expect(box(page, name)).to_be_focused()
        line = slot_of(page, name).locator(".slot-refusal")
        expect(line).to_have_text(f"Non enregistré : {DEPENDENCY}")
        expect(line).to_be_in_viewport()
        check_page(page)


# --------------------------------------------------------------------------- 2. never give a place away silently


def test_unticking_a_place_others_wait_for_asks_first(phone, live_server):
    page = phone
    child_id = lea_id(page)
    day, name = wednesday_slot(live_server, child_id, "morning", "reserved", "waiting")
    open_week(page, day)
    morning, slot = box(page, name), slot_of(page, name)
    expect(morning).to_be_checked()
    before = stored(live_server, child_id, day)
    status, question = page.locator("#status"), slot.locator(".slot-question")
    mark_live_regions(page)
    with days_restored(live_server, day):
        morning_id = press_space_on(page, morning)
        expect(question).to_be_focused()  # the question, in the slot, under the finger
        expect(question).to_have_text(
            "Libérer la place ? Elle sera proposée à la liste d'attente. Si vous changez d'avis, vous serez "
            "inscrit(e) en fin de liste d'attente.")
        expect(question).to_be_in_viewport()
        expect(morning).to_be_checked()  # nothing changed
        assert stored(live_server, child_id, day) == before
        check_page(page)

        # "Non": the place is kept, focus back on the box (Escape does the same).
        page.get_by_role("button", name=f"Non, garder la place : {name}").click()
        expect(question).to_have_count(0)
        expect_focus_on(page, morning_id)
        expect(status).to_have_text(f"{name} : place gardée.")
        page.keyboard.press("Space")
        expect(question).to_be_focused()
        page.keyboard.press("Escape")
        expect(question).to_have_count(0)
        expect_focus_on(page, morning_id)
        assert stored(live_server, child_id, day) == before

        # "Oui": released; the day is full again (the first waiting child got the place): the box joins the list.
        page.keyboard.press("Space")
        expect(question).to_be_focused()
        page.keyboard.press("Tab")
        yes = page.get_by_role("button", name=f"Oui, libérer la place : {name}")
        expect(yes).to_be_focused()
        page.keyboard.press("Enter")
        expect(status).to_have_text(f"{name} annulé.")
        join = box(page, f"{name} : rejoindre la liste d'attente")
        expect(join).to_be_focused()
        expect(join).not_to_be_checked()
        expect(slot).to_contain_text("Complet — Inscription possible sur la liste d'attente jusqu'au")
        check_page(page)

        # Ticking it again says plainly where the child goes: the end of the list.
        page.keyboard.press("Space")
        expect(status).to_have_text(re.compile(
            rf"^{re.escape(name)} : complet\. Vous êtes inscrit\(e\) en fin de liste d'attente \(rang \d+\)\.$"))
        expect(page.get_by_role("button", name=f"Quitter la liste d'attente : {name}")).to_be_focused()
        expect(page.locator("#alert")).to_be_empty()
        expect_live_regions_kept(page)
    page.reload()
    expect(box(page, name)).to_be_checked()


def test_without_javascript_a_page_asks_before_the_place_is_given_up(phone_nojs, live_server):
    page = phone_nojs
    child_id = lea_id(page)
    day, name = wednesday_slot(live_server, child_id, "morning", "reserved", "waiting")
    before = stored(live_server, child_id, day)
    with days_restored(live_server, day):
        open_week(page, day)
        box(page, name).uncheck()
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("h1")).to_have_text("Libérer la place ?")
        expect(page).to_have_title(re.compile(r"^Libérer la place \? — Agenda de Léa"))
        expect(page.locator("main")).to_contain_text(name)
        expect(page.locator("main")).to_contain_text("Elle sera proposée à la liste d'attente.")
        assert stored(live_server, child_id, day) == before  # nothing saved before the answer
        check_page(page)
        page.get_by_role("button", name="Non, garder la place").click()
        expect(page.locator("h1")).to_have_text(re.compile(r"^Agenda de Léa — semaine du "))
        expect(page.get_by_role("status")).to_contain_text(f"{name} : place gardée.")
        expect(box(page, name)).to_be_checked()
        assert stored(live_server, child_id, day) == before

        box(page, name).uncheck()
        page.get_by_role("button", name="Enregistrer").click()
        page.get_by_role("button", name="Oui, libérer la place").click()
        expect(page.get_by_role("status")).to_contain_text(f"{name} annulé.")
        expect(box(page, f"{name} : rejoindre la liste d'attente")).not_to_be_checked()
        check_page(page)


# --------------------------------------------------------------------------- 3. a waiting-list entry is not a booking


def test_a_waiting_list_entry_has_its_own_state_and_button(phone, live_server):
    page = phone
    child_id = lea_id(page)
    day, name = wednesday_slot(live_server, child_id, "afternoon", "waiting", "reserved")
    open_week(page, day)
    slot = slot_of(page, name)
    expect(slot.get_by_role("checkbox")).to_have_count(0)  # not a ticked box
    expect(slot).to_have_class(re.compile(r"\bslot--waiting\b"))
    leave = page.get_by_role("button", name=f"Quitter la liste d'attente : {name}")
    expect(leave).to_have_accessible_description(re.compile(
        r"^En liste d'attente, rang 1 — Si une place se libère d'ici le .+, elle vous sera attribuée et vous serez "
        r"prévenu\(e\) par e-mail\. Vous pouvez quitter la liste jusqu'au .+\.$"))
    check_page(page)
    question, status = slot.locator(".slot-question"), page.locator("#status")
    mark_live_regions(page)
    with days_restored(live_server, day):  # gives Léa her rank back: joining again puts her last
        before = stored(live_server, child_id, day)
        leave.focus()
        remember_focused_node(page)
        page.keyboard.press("Enter")
        expect(question).to_be_focused()
        expect(question).to_have_text(re.compile(r"^Quitter la liste d'attente \? Vous êtes au rang 1\."))
        assert stored(live_server, child_id, day) == before
        check_page(page)
        page.get_by_role("button", name=f"Oui, quitter la liste : {name}").click()
        expect(status).to_have_text(f"{name} : retiré de la liste d'attente.")
        join = box(page, f"{name} : rejoindre la liste d'attente")
        expect(join).to_be_focused()
        expect(slot).to_have_class(re.compile(r"\bslot--full\b"))
        page.keyboard.press("Space")
        expect(status).to_have_text(re.compile(
            rf"^{re.escape(name)} : complet\. Vous êtes inscrit\(e\) en fin de liste d'attente \(rang [2-9]\)\.$"))
        expect(leave).to_be_focused()
        expect(slot).to_contain_text(re.compile(r"En liste d'attente, rang [2-9]"))
        expect_live_regions_kept(page)
        assert_axe_clean(page)
        assert_reflows(page)


def test_without_javascript_leaving_the_waiting_list_is_asked_on_a_page(phone_nojs, live_server):
    page = phone_nojs
    child_id = lea_id(page)
    day, name = wednesday_slot(live_server, child_id, "afternoon", "waiting", "reserved")
    with days_restored(live_server, day):
        open_week(page, day)
        page.get_by_role("button", name=f"Quitter la liste d'attente : {name}").click()
        expect(page.locator("h1")).to_have_text("Quitter la liste d'attente ?")
        expect(page.locator("main")).to_contain_text("Vous êtes au rang 1.")
        check_page(page)
        page.get_by_role("button", name="Oui, quitter la liste").click()
        expect(page.get_by_role("status")).to_contain_text(f"{name} : retiré de la liste d'attente.")
        expect(box(page, f"{name} : rejoindre la liste d'attente")).not_to_be_checked()
