"""Never give away a place silently (issue #6, items 2 and 3): giving up a place others want, or a waiting-list
entry, is asked first, by the slot itself (htmx) or by a page of its own (no JS, or a hand-made request); nothing is
saved before the answer. A waiting-list entry has its own state and its own button, not a ticked box."""

# ruff: noqa: F811  (`world` is a fixture imported from test_reservations_views)
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from support import csrf_from, enroll, outbox
from test_reservations_views import (
    WED_25,
    book,
    checkbox,
    dom,
    history,
    key,
    leisure_centre,
    month_url,
    region,
    reservations,
    save,
    title,
    toggle,
    token,
    week_url,
    world,  # noqa: F401  (the fixture: Léa, the canteen, Sunday 22 November 19 h)
)

from models import Reservation, db

RELEASE = "Libérer la place ? Elle sera proposée à la liste d'attente."


@pytest.fixture
def full(world, make_family, make_activity):
    """Wednesday 25's leisure centre has 2 places: Léa holds the morning, Chloé (Bernard) the other place and Jules
    (Bernard) waits; Léa waits for the afternoon (rank 1, Chloé has it, the afternoon has 1 place)."""
    leisure = leisure_centre(make_activity, capacity=2)
    leisure.afternoon.capacity = 1
    db.session.commit()
    enroll(world.lea, leisure.activity, leisure.period)
    _, bernard, (chloe, jules) = make_family(name="Bernard", children=("Chloé", "Jules"))
    for child in (chloe, jules):
        enroll(child, leisure.activity, leisure.period)
    book(world.lea, leisure.morning, WED_25)
    book(chloe, leisure.morning, WED_25)
    book(jules, leisure.morning, WED_25, "waiting")
    book(chloe, leisure.afternoon, WED_25)
    book(world.lea, leisure.afternoon, WED_25, "waiting")
    return SimpleNamespace(leisure=leisure, morning=leisure.morning, afternoon=leisure.afternoon, jules=jules,
                           bernard=bernard)


def slot_node(response, unit, day=WED_25):
    return dom(response).by_id(f"slot-{key(unit, day)}")


# --------------------------------------------------------------------------- with htmx: the slot asks


def test_unticking_a_place_others_wait_for_asks_in_the_slot_and_changes_nothing(app, client, world, full):
    before = reservations()
    response = toggle(client, world.lea, full.morning, WED_25, False)
    assert response.status_code == 200
    slot = slot_node(response, full.morning)
    assert slot.attrs["hx-swap-oob"] == "true"
    assert "checked" in checkbox(dom(response), full.morning, WED_25).attrs  # the true state: still booked
    group = slot.find_all("div", class_="slot-confirm")[0]
    question = dom(response).by_id(f"cq-{key(full.morning, WED_25)}")
    assert group.attrs["role"] == "group" and group.attrs["aria-labelledby"] == question.attrs["id"]
    assert question.attrs["tabindex"] == "-1"  # app.js moves focus to it
    assert question.text().startswith(RELEASE)
    yes, no = group.find_all("button")
    assert yes.text() == "Oui, libérer la place : Matin du mercredi 25 novembre"
    assert '"confirm": "1"' in yes.attrs["hx-vals"] and yes.attrs["hx-params"] == "unit,date,confirm"
    assert no.text() == "Non, garder la place : Matin du mercredi 25 novembre"
    assert no.attrs["data-kept"] == "Matin du mercredi 25 novembre : place gardée."
    assert region(response, "status") == "" and region(response, "alert") == ""  # the question takes focus
    assert reservations() == before and history() == [] and outbox(app) == []

    done = toggle(client, world.lea, full.morning, WED_25, False, extra={"confirm": "1"})
    assert region(done, "status") == "Matin du mercredi 25 novembre annulé."
    assert not slot_node(done, full.morning).find_all("div", class_="slot-confirm")
    assert reservations(world.lea) == {(full.afternoon.id, WED_25): "waiting"}
    assert reservations(full.jules) == {(full.morning.id, WED_25): "reserved"}  # promoted, and told
    assert [m["To"] for m in outbox(app)] == [full.bernard.email]


def test_the_last_place_of_a_full_day_is_asked_too(client, world, full):
    db.session.execute(db.delete(Reservation).where(Reservation.child_id == full.jules.id))  # nobody waits
    db.session.commit()
    response = toggle(client, world.lea, full.morning, WED_25, False)
    assert dom(response).by_id(f"cq-{key(full.morning, WED_25)}").text().startswith(
        "Libérer la place ? Ce jour est complet : une autre famille pourra prendre la place.")
    assert reservations(world.lea)[(full.morning.id, WED_25)] == "reserved"


def test_a_place_nobody_else_wants_is_released_at_once(client, world, make_activity):
    leisure = leisure_centre(make_activity, capacity=5)
    enroll(world.lea, leisure.activity, leisure.period)
    book(world.lea, leisure.morning, WED_25)
    response = toggle(client, world.lea, leisure.morning, WED_25, False)
    assert region(response, "status") == "Matin du mercredi 25 novembre annulé."
    assert reservations(world.lea) == {}


def test_leaving_the_waiting_list_is_asked_then_joining_again_puts_the_child_last(client, world, full):
    response = toggle(client, world.lea, full.afternoon, WED_25, False)
    question = dom(response).by_id(f"cq-{key(full.afternoon, WED_25)}")
    assert question.text() == (
        "Quitter la liste d'attente ? Vous êtes au rang 1. Si vous changez d'avis, vous serez inscrit(e) en fin de "
        "liste.")
    yes, no = slot_node(response, full.afternoon).find_all("div", class_="slot-confirm")[0].find_all("button")
    assert yes.text().startswith("Oui, quitter la liste") and no.text().startswith("Non, rester sur la liste")
    assert no.attrs["data-kept"] == "Après-midi du mercredi 25 novembre : vous restez sur la liste d'attente."
    # The button that asked stays (focus is kept on it while the question is added around it).
    assert dom(response).by_id(f"leave-{key(full.afternoon, WED_25)}") is not None
    assert reservations(world.lea)[(full.afternoon.id, WED_25)] == "waiting"

    left = toggle(client, world.lea, full.afternoon, WED_25, False, extra={"confirm": "1"})
    assert region(left, "status") == "Après-midi du mercredi 25 novembre : retiré de la liste d'attente."
    assert (full.afternoon.id, WED_25) not in reservations(world.lea)
    # Full, not booked: the box says it joins the waiting list.
    box = checkbox(dom(left), full.afternoon, WED_25)
    assert box is not None and "checked" not in box.attrs
    label = dom(left).find_all("label", for_=box.attrs["id"])[0]
    assert label.text() == "Après-midi du mercredi 25 novembre : rejoindre la liste d'attente"

    book(full.jules, full.afternoon, WED_25, "waiting",
         at_=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC))  # someone joined meanwhile
    again = toggle(client, world.lea, full.afternoon, WED_25, True)
    assert region(again, "status") == (
        "Après-midi du mercredi 25 novembre : complet. Vous êtes inscrit(e) en fin de liste d'attente (rang 2).")


@pytest.mark.parametrize("answer", [None, "", "yes", "0"])
def test_a_forged_request_without_the_answer_changes_nothing(client, world, full, answer):
    before = reservations()
    extra = {} if answer is None else {"confirm": answer}
    response = toggle(client, world.lea, full.morning, WED_25, False, extra=extra)
    if answer == "0":  # "Non": kept, said so
        assert region(response, "status") == "Matin du mercredi 25 novembre : place gardée."
    else:
        assert dom(response).by_id(f"cq-{key(full.morning, WED_25)}") is not None
    assert reservations() == before and history() == []


# --------------------------------------------------------------------------- without JavaScript: a page asks


def test_without_htmx_a_toggle_asks_on_a_page_of_its_own(client, world, full):
    response = toggle(client, world.lea, full.morning, WED_25, False, htmx=False)
    assert response.status_code == 200
    assert title(response).startswith("Libérer la place ? — Agenda de Léa")
    page = dom(response)
    assert page.find_all("h1")[0].text() == "Libérer la place ?"
    assert "Matin du mercredi 25 novembre" in page.find_all("main")[0]
    assert "Rien n'est encore enregistré." in page.find_all("main")[0]
    form = [f for f in page.find_all("form") if f.attrs.get("action") == f"/enfants/{world.lea.id}/reservations"][0]
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input", type="hidden")}
    assert hidden["unit"] == str(full.morning.id) and hidden["date"] == "2026-11-25"
    assert f"s-{key(full.morning, WED_25)}" not in hidden  # the box was unticked
    buttons = {b.text(): b.attrs["value"] for b in form.find_all("button")}
    assert buttons == {"Oui, libérer la place": "1", "Non, garder la place": "0"}
    assert reservations(world.lea)[(full.morning.id, WED_25)] == "reserved" and history() == []

    kept = client.post(form.attrs["action"], data={**hidden, "confirm": "0"})
    assert kept.status_code == 302 and kept.headers["Location"].endswith(week_url(world.lea))
    assert region(client.get(kept.headers["Location"]), "status") == "Matin du mercredi 25 novembre : place gardée."
    assert reservations(world.lea)[(full.morning.id, WED_25)] == "reserved"

    done = client.post(form.attrs["action"], data={**hidden, "confirm": "1"})
    assert region(client.get(done.headers["Location"]), "status") == "Matin du mercredi 25 novembre annulé."
    assert (full.morning.id, WED_25) not in reservations(world.lea)


def test_the_month_form_asks_before_saving_anything(client, world, full):
    """No JS: the morning unticked (others wait) and a canteen meal ticked in the same save: the question page
    comes first, and nothing is saved until the answer."""
    tue = dt.date(2026, 11, 24)
    shown = [(full.morning, WED_25), (world.meal, tue)]
    response = save(client, world.lea, shown, [(world.meal, tue)])
    assert response.status_code == 200
    page = dom(response)
    assert page.find_all("h1")[0].text() == "Libérer la place ?"
    assert "Votre autre changement sera enregistré dans les deux cas." in page.find_all("main")[0]
    assert reservations(world.lea) == {(full.morning.id, WED_25): "reserved", (full.afternoon.id, WED_25): "waiting"}
    form = [f for f in page.find_all("form") if f.attrs.get("action") == month_url(world.lea)][0]
    fields = [(i.attrs["name"], i.attrs["value"]) for i in form.find_all("input", type="hidden")
              if i.attrs["name"] != "csrf_token"]
    assert sorted(fields) == sorted([("shown", f"{full.morning.id}:2026-11-25"),
                                     ("shown", f"{world.meal.id}:2026-11-24"), (f"s-{key(world.meal, tue)}", "1")])
    # No: the meal is booked, the morning kept.
    data = {"csrf_token": token(client), "confirm": "0", "shown": [v for k, v in fields if k == "shown"],
            f"s-{key(world.meal, tue)}": "1"}
    kept = client.post(month_url(world.lea), data=data)
    assert kept.status_code == 302
    status = region(client.get(kept.headers["Location"]), "status")
    assert "Matin du mercredi 25 novembre : place gardée." in status and "Repas (restauration) du mardi 24" in status
    assert reservations(world.lea)[(full.morning.id, WED_25)] == "reserved"
    assert reservations(world.lea)[(world.meal.id, tue)] == "reserved"
    # Yes: given up.
    data["confirm"] = "1"
    client.post(month_url(world.lea), data=data)
    assert (full.morning.id, WED_25) not in reservations(world.lea)
    assert reservations(full.jules) == {(full.morning.id, WED_25): "reserved"}


def test_the_waiting_list_button_of_the_month_form_leaves_after_the_question(client, world, full):
    page = dom(client.get(month_url(world.lea)))
    leave = page.by_id(f"leave-{key(full.afternoon, WED_25)}")
    data = {"csrf_token": csrf_from(client.get(month_url(world.lea)).get_data(as_text=True)),
            "shown": [i.attrs["value"] for i in page.find_all("input", name="shown")],
            leave.attrs["name"]: leave.attrs["value"]}
    data.update({i.attrs["name"]: "1" for i in page.find_all("input", type="checkbox") if "checked" in i.attrs})
    asked = client.post(month_url(world.lea), data=data)
    assert asked.status_code == 200
    assert dom(asked).find_all("h1")[0].text() == "Quitter la liste d'attente ?"
    assert "Vous êtes au rang 1." in dom(asked).find_all("main")[0]
    assert reservations(world.lea)[(full.afternoon.id, WED_25)] == "waiting"
    done = client.post(month_url(world.lea), data={**data, "confirm": "1"})
    assert done.status_code == 302
    assert (full.afternoon.id, WED_25) not in reservations(world.lea)
    assert reservations(world.lea)[(full.morning.id, WED_25)] == "reserved"  # the rest of the form: unchanged


def test_saving_the_month_form_never_leaves_the_waiting_list_by_itself(client, world, full):
    page = dom(client.get(month_url(world.lea)))
    data = {"csrf_token": token(client), "shown": [i.attrs["value"] for i in page.find_all("input", name="shown")]}
    data.update({i.attrs["name"]: "1" for i in page.find_all("input", type="checkbox") if "checked" in i.attrs})
    response = client.post(month_url(world.lea), data=data)
    assert response.status_code == 302
    assert reservations(world.lea)[(full.afternoon.id, WED_25)] == "waiting"
