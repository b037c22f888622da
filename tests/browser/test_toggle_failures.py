"""An htmx toggle that saves nothing gives the box its true state back and says why (demo commune, clock pinned to
Monday 2026-11-23).

Three ways a change of Léa's agenda can fail after the box was pressed: the network (the request never reaches
the server), an expired session (the browser lost its session cookie: the server refuses the request, 400), and
an answer that only carries an alert (the account was closed meanwhile: the expired-session answer, 200, with no
slot). Each time the message is in the alert region (role=alert), the status region is emptied, the box is back
as it was and keeps focus. Nothing is saved; the touched day is put back in any case (days_restored).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PARENT
from tests.browser.test_agenda import (  # noqa: F401  (_demo_day: autouse, the states expect the pinned clock)
    _demo_day,
    box,
    days_restored,
    expect_focus_on,
    mark_live_regions,
    open_month,
    press_space_on,
)

TUESDAY = dt.date(2026, 11, 24)
MORNING = "Accueil du matin du mardi 24 novembre"  # booked and still open in the demo


def stored_state(live_server, child_id: int) -> list[str]:
    """Léa's reservations on Tuesday 24 as the database holds them."""
    from sqlalchemy import select

    from models import Reservation

    return live_server.query(
        lambda db: sorted(
            f"{r.unit_id}:{r.state}"
            for r in db.session.execute(
                select(Reservation).where(Reservation.child_id == child_id, Reservation.date == TUESDAY)
            ).scalars()
        )
    )


def start(page, live_server):
    """Léa's November, a word in the status region (as after an earlier toggle), the box checked."""
    child_id = open_month(page, "2026-11")
    morning = box(page, MORNING)
    expect(morning).to_be_checked()
    mark_live_regions(page)
    page.evaluate(
        "document.getElementById('status').innerHTML = '<p class=\"flash\">Repas du lundi 30 novembre réservé.</p>'"
    )
    return child_id, morning, stored_state(live_server, child_id)


def expect_restored(page, live_server, child_id, morning, morning_id, before, alert) -> None:
    expect(page.locator("#alert")).to_have_text(alert)
    expect(page.locator("#status")).to_be_empty()
    expect(morning).to_be_checked()
    expect_focus_on(page, morning_id)
    for region in ("#status", "#alert"):  # updated in place, never replaced
        expect(page.locator(region)).to_have_attribute("data-original", "yes")
    assert stored_state(live_server, child_id) == before


@pytest.fixture
def parent(new_page, login):
    """Sophie Martin in her own fresh session (these tests break it: other tests' cached login is not touched)."""
    page = new_page()
    login(page, *PARENT)
    return page


def test_network_failure_says_so_and_restores_the_box(parent, live_server):
    page = parent
    child_id, morning, before = start(page, live_server)
    page.route(re.compile(r"/enfants/\d+/reservations$"), lambda route: route.abort())
    with days_restored(live_server, TUESDAY):
        morning_id = press_space_on(page, morning)
        expect_restored(
            page,
            live_server,
            child_id,
            morning,
            morning_id,
            before,
            re.compile(r"^La connexion a échoué : votre modification n'a pas été enregistrée\."),
        )


def test_expired_session_says_so_and_restores_the_box(parent, live_server):
    page = parent
    child_id, morning, before = start(page, live_server)
    page.context.clear_cookies()  # the session cookie is gone, as when it expires
    with days_restored(live_server, TUESDAY):
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            morning_id = press_space_on(page, morning)
        assert answer.value.status == 400
        expect_restored(
            page,
            live_server,
            child_id,
            morning,
            morning_id,
            before,
            re.compile(r"^Votre session a expiré : rechargez la page pour continuer\. Rien n'a été modifié\.$"),
        )


def test_an_answer_with_only_an_alert_restores_the_box(parent, live_server):
    """The session still holds its CSRF token but no longer a user (the account was closed meanwhile): the server
    answers 200 with the expired-session alert alone, no slot."""
    from sqlalchemy import update

    from models import User

    page = parent
    child_id, morning, before = start(page, live_server)

    def set_active(value: bool):
        def run(db):
            db.session.execute(update(User).where(User.email == PARENT[0]).values(active=value))
            db.session.commit()

        live_server.query(run)

    with days_restored(live_server, TUESDAY):
        set_active(False)
        try:
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                morning_id = press_space_on(page, morning)
            assert answer.value.status == 200
            expect_restored(
                page,
                live_server,
                child_id,
                morning,
                morning_id,
                before,
                re.compile(r"^Votre session a expiré : rien n'a été enregistré\. Se reconnecter$"),
            )
        finally:
            set_active(True)
    expect(page.locator("#alert").get_by_role("link", name="Se reconnecter")).to_have_attribute(
        "href", re.compile(r"^/connexion")
    )
