"""Client tests of the monthly agenda (blueprints/agenda/views.py): the page, the htmx toggle, the no-JS save,
refusals in words, the audit trail, the waiting list, access control, CSRF, the query budget, and concurrent
bookings of the last places (PostgreSQL, and an SQLite file)."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from html.parser import HTMLParser
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from support import csrf_from, enroll, outbox

from blueprints.reservations import service
from models import (
    Activity,
    Closure,
    DeadlinePolicy,
    Enrollment,
    Family,
    Period,
    Person,
    Reservation,
    ReservationChange,
    Unit,
    db,
)

PARIS = ZoneInfo("Europe/Paris")
# Sunday evening: Monday 23 is locked (the day-before 18 h deadline has passed), Tuesday 24 is open.
NOW = dt.datetime(2026, 11, 22, 19, 0, tzinfo=PARIS)
MON_23, TUE_24, WED_25, THU_26, FRI_27 = (dt.date(2026, 11, d) for d in (23, 24, 25, 26, 27))
THU_19 = dt.date(2026, 11, 19)
NOVEMBER = "2026-11"


# --------------------------------------------------------------------------- a tiny DOM (stdlib only)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        attrs = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and all(n.attrs.get(k) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Node | None:
        found = self.find_all(id=element_id)
        return found[0] if found else None

    def text(self) -> str:
        """The text a reader gets (visually hidden text included), whitespace collapsed."""
        return re.sub(r"\s+", " ", self._raw()).strip()

    def _raw(self) -> str:
        return "".join(child._raw() if isinstance(child, Node) else child for child in self.children)

    def __contains__(self, words: str) -> bool:
        return words in self.text()


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(response) -> Node:
    parser = _Tree()
    parser.feed(response.get_data(as_text=True))
    return parser.root


def title(response) -> str:
    return dom(response).find_all("title")[0].text()


def region(response, name: str) -> str:
    """Text of the live region (#status) or the alert region (#alert) of a page or an htmx answer."""
    node = dom(response).by_id(name)
    assert node is not None, f"no #{name}"
    return node.text()


def key(unit, day: dt.date) -> str:
    return f"{unit.id}-{day.isoformat()}"


def slot_text(tree: Node, unit, day: dt.date) -> str:
    node = tree.by_id(f"slot-{key(unit, day)}")
    assert node is not None, f"no slot {key(unit, day)}"
    return node.text()


def checkbox(tree: Node, unit, day: dt.date) -> Node | None:
    return tree.by_id(f"cb-{key(unit, day)}")


# --------------------------------------------------------------------------- data and requests


def day_before_at_18() -> DeadlinePolicy:
    return DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))


def at(app, when: dt.datetime) -> None:
    app.config["CLOCK"] = lambda: when


@pytest.fixture
def world(app, make_family, make_activity, login_as):
    """Léa (famille Martin, logged in) enrolled in the school canteen (Mon, Tue, Thu, Fri), booking and cancelling
    allowed until the day before at 18 h; the clock is Sunday 22 November 2026, 19 h."""
    at(app, NOW)
    family, user, (lea,) = make_family()
    activity, meal, period = make_activity(booking_policy=day_before_at_18(), cancel_policy=day_before_at_18())
    enroll(lea, activity, period)
    login_as(user)
    return SimpleNamespace(family=family, user=user, lea=lea, activity=activity, meal=meal, period=period)


def leisure_centre(make_activity, capacity=None):
    """A Wednesday leisure centre: Matin, Repas (needs Matin or Après-midi), Après-midi."""
    activity, morning, period = make_activity(
        code="alsh-mercredi",
        slot="morning",
        label="Matin",
        weekdays="2",
        capacity=capacity,
        booking_policy=day_before_at_18(),
        cancel_policy=day_before_at_18(),
    )
    activity.name = "Accueil de loisirs"
    meal = Unit(activity_id=activity.id, slot="meal", label="Repas", weekdays="2", position=1, capacity=capacity)
    afternoon = Unit(
        activity_id=activity.id, slot="afternoon", label="Après-midi", weekdays="2", position=2, capacity=capacity
    )
    db.session.add_all([meal, afternoon])
    db.session.flush()
    meal.requires_one_of = f"{morning.id},{afternoon.id}"
    db.session.commit()
    return SimpleNamespace(activity=activity, period=period, morning=morning, meal=meal, afternoon=afternoon)


def book(child, unit, day, state="reserved", at_=None):
    """A reservation stored directly (as if made earlier)."""
    db.session.add(
        Reservation(
            child_id=child.id,
            unit_id=unit.id,
            date=day,
            state=state,
            requested_at=at_ or dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC),
        )
    )
    db.session.commit()


def token(client) -> str:
    return csrf_from(client.get("/mon-accueil").get_data(as_text=True))


def toggle(client, child, unit, day, want: bool, *, htmx=True, csrf: str | None = "auto", extra=None):
    """The request the checkbox sends (htmx: CSRF in the header, like hx-headers on <body>)."""
    csrf = token(client) if csrf == "auto" else csrf
    data = {"unit": str(getattr(unit, "id", unit)), "date": day if isinstance(day, str) else day.isoformat()}
    if want:
        data[f"s-{data['unit']}-{data['date']}"] = "1"
    data.update(extra or {})
    headers = {}
    if htmx:
        headers["HX-Request"] = "true"
        if csrf:
            headers["X-CSRFToken"] = csrf
    elif csrf:
        data["csrf_token"] = csrf
    return client.post(f"/enfants/{child.id}/reservations", data=data, headers=headers)


def month_url(child, ym=NOVEMBER) -> str:
    return f"/enfants/{child.id}/agenda/{ym}"


def week_url(child, monday="2026-11-23") -> str:
    return f"/enfants/{child.id}/agenda/semaine/{monday}"


def summary_items(response) -> list[tuple[str, str]]:
    """(link target, text) of each item of the error summary."""
    summary = dom(response).find_all("div", class_="error-summary")
    if not summary:
        return []
    return [(li.find_all("a")[0].attrs["href"] if li.find_all("a") else "", li.text())
            for li in summary[0].find_all("li")]


def save(client, child, shown, checked, ym=NOVEMBER, csrf="auto"):
    """The no-JS month form: a hidden `shown` per editable slot, `s-<unit>-<date>=1` per ticked box."""
    data = {"shown": [f"{u.id}:{d.isoformat()}" for u, d in shown]}
    data.update({f"s-{key(u, d)}": "1" for u, d in checked})
    if csrf:
        data["csrf_token"] = token(client) if csrf == "auto" else csrf
    return client.post(month_url(child, ym), data=data)


def reservations(child=None) -> dict[tuple[int, dt.date], str]:
    db.session.expire_all()
    query = select(Reservation)
    if child is not None:
        query = query.where(Reservation.child_id == child.id)
    return {(r.unit_id, r.date): r.state for r in db.session.execute(query).scalars()}


def history(child=None) -> list[ReservationChange]:
    db.session.expire_all()
    query = select(ReservationChange).order_by(ReservationChange.id)
    if child is not None:
        query = query.where(ReservationChange.child_id == child.id)
    return list(db.session.execute(query).scalars())


# --------------------------------------------------------------------------- the month page


def test_month_page_title_rules_days_and_accessible_names(client, world):
    response = client.get(month_url(world.lea))
    assert response.status_code == 200
    assert title(response).startswith("Agenda de Léa — novembre 2026")
    tree = dom(response)
    assert tree.find_all("h1")[0].text() == "Agenda de Léa — novembre 2026"

    page = tree.text()
    rule = "Restauration : Réservation possible jusqu'à la veille à 18 h. Annulation possible jusqu'à la veille à 18 h."
    assert page.count(rule) == 1
    assert page.count("jusqu'à la veille à 18 h") == 2  # stated once, not repeated per day
    assert page.index(rule) < page.index("Lundi 2 novembre")

    # One fieldset per service day (Mon, Tue, Thu, Fri; 11 November is a Wednesday), its legend the date in words.
    legends = [f.find_all("legend")[0].text() for f in tree.find_all("fieldset")]
    assert legends == [
        "Lundi 2 novembre",
        "Mardi 3 novembre",
        "Jeudi 5 novembre",
        "Vendredi 6 novembre",
        "Lundi 9 novembre",
        "Mardi 10 novembre",
        "Jeudi 12 novembre",
        "Vendredi 13 novembre",
        "Lundi 16 novembre",
        "Mardi 17 novembre",
        "Jeudi 19 novembre",
        "Vendredi 20 novembre",
        "Lundi 23 novembre",
        "Mardi 24 novembre",
        "Jeudi 26 novembre",
        "Vendredi 27 novembre",
        "Lundi 30 novembre",
    ]
    assert not tree.find_all(role="grid")

    # The checkbox's accessible name carries slot and day; the day part is visually hidden.
    box = checkbox(tree, world.meal, TUE_24)
    assert box is not None and box.attrs["type"] == "checkbox"
    label = tree.find_all("label", for_=box.attrs["id"])[0]
    assert label.text() == "Repas du mardi 24 novembre"
    hidden = label.find_all("span", class_="visually-hidden")[0]
    assert hidden.text() == "du mardi 24 novembre"
    monday = tree.find_all("label", for_=f"cb-{key(world.meal, dt.date(2026, 11, 30))}")[0]
    assert monday.text() == "Repas du lundi 30 novembre"
    # ... and its state is tied to it.
    assert tree.by_id(box.attrs["aria-describedby"]).text().startswith("Non réservé")


def test_month_page_states_in_words(client, world, make_family, make_activity):
    """Past, locked, open, full, waiting and closed days each say so in text."""
    leisure = leisure_centre(make_activity, capacity=1)
    enroll(world.lea, leisure.activity, leisure.period)
    db.session.add(Closure(activity_id=None, date=THU_26, reason="Grève des agents de restauration"))
    db.session.commit()
    _, _, (other,) = make_family(name="Bernard", children=("Chloé",))
    enroll(other, leisure.activity, leisure.period)
    book(other, leisure.morning, WED_25)  # the only place: full for Léa
    book(other, leisure.afternoon, WED_25)
    book(world.lea, leisure.afternoon, WED_25, state="waiting")
    book(world.lea, world.meal, THU_19)

    tree = dom(client.get(month_url(world.lea)))
    # "Repas" is both the canteen's and the leisure centre's for Léa: each says which service it is.
    assert slot_text(tree, world.meal, THU_19) == "Repas (restauration) du jeudi 19 novembre Réservé — Jour passé"
    assert checkbox(tree, world.meal, THU_19) is None
    assert slot_text(tree, world.meal, MON_23) == (
        "Repas (restauration) du lundi 23 novembre Non réservé — "
        "Modifications closes depuis le dimanche 22 novembre à 18 h"
    )
    assert checkbox(tree, world.meal, MON_23) is None
    assert slot_text(tree, world.meal, TUE_24) == (
        "Repas (restauration) du mardi 24 novembre Non réservé — Modifiable jusqu'au lundi 23 novembre à 18 h"
    )
    assert checkbox(tree, world.meal, TUE_24) is not None
    # A full day can still join the waiting list: its box says so.
    assert slot_text(tree, leisure.morning, WED_25).startswith(
        "Matin du mercredi 25 novembre : rejoindre la liste d'attente Complet — "
        "Inscription possible sur la liste d'attente jusqu'au mardi 24 novembre à 18 h"
    )
    assert checkbox(tree, leisure.morning, WED_25) is not None
    assert slot_text(tree, leisure.meal, WED_25).startswith("Repas (accueil de loisirs) du mercredi 25 novembre")
    # A waiting-list entry is not a ticked box: its state in words, a button to leave the list.
    waiting = tree.by_id(f"slot-{key(leisure.afternoon, WED_25)}")
    assert checkbox(tree, leisure.afternoon, WED_25) is None
    leave = tree.by_id(f"leave-{key(leisure.afternoon, WED_25)}")
    assert leave.tag == "button" and leave.attrs["type"] == "submit" and leave.attrs["name"] == "leave"
    assert leave.attrs["value"] == f"{leisure.afternoon.id}:2026-11-25"
    assert leave.text() == "Quitter la liste d'attente : Après-midi du mercredi 25 novembre"
    assert leave.attrs["aria-describedby"] == f"st-{key(leisure.afternoon, WED_25)}"
    assert "slot--waiting" in waiting.attrs["class"]
    assert not waiting.find_all("input", name="shown")  # saving the month form never touches it
    assert tree.by_id(f"st-{key(leisure.afternoon, WED_25)}").text() == (
        "En liste d'attente, rang 1 — Si une place se libère d'ici le mardi 24 novembre à 18 h, elle vous sera "
        "attribuée et vous serez prévenu(e) par e-mail. Vous pouvez quitter la liste jusqu'au mercredi 25 novembre "
        "à 23 h 59."
    )

    closed = tree.by_id("jour-2026-11-26")
    assert closed.tag != "fieldset"
    assert closed.text() == "Jeudi 26 novembre : Fermé (Grève des agents de restauration)"
    holiday = tree.by_id("jour-2026-11-11")  # a Wednesday: the leisure centre would run
    assert holiday.text() == "Mercredi 11 novembre : Fermé (Armistice)"
    assert checkbox(tree, world.meal, THU_26) is None


def test_agenda_opens_on_the_current_week(client, world):
    response = client.get(f"/enfants/{world.lea.id}/agenda")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(week_url(world.lea, "2026-11-16"))  # Sunday 22: that week


def test_month_navigation_says_where_it_goes(client, world):
    tree = dom(client.get(month_url(world.lea)))
    nav = tree.find_all("nav", aria_label="Changer de mois")[0]
    links = {a.text(): a.attrs["href"] for a in nav.find_all("a")}
    assert links["Mois précédent : octobre 2026"].endswith(month_url(world.lea, "2026-10"))
    assert links["Mois suivant : décembre 2026"].endswith(month_url(world.lea, "2026-12"))
    january = dom(client.get(month_url(world.lea, "2027-01")))
    texts = [a.text() for a in january.find_all("nav", aria_label="Changer de mois")[0].find_all("a")]
    assert "Mois précédent : décembre 2026" in texts and "Mois suivant : février 2027" in texts


@pytest.mark.parametrize("ym", ["2026-13", "2026-1", "novembre", "1999-11"])
def test_a_month_that_does_not_exist_is_not_found(client, world, ym):
    assert client.get(month_url(world.lea, ym)).status_code == 404


# --------------------------------------------------------------------------- toggle (htmx)


def test_htmx_toggle_books_announces_and_records(client, world):
    response = toggle(client, world.lea, world.meal, TUE_24, True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    tree = dom(response)
    slot = tree.by_id(f"slot-{key(world.meal, TUE_24)}")
    assert slot.attrs["hx-swap-oob"] == "true"  # same id as on the page: swapped around the focused box
    box = checkbox(tree, world.meal, TUE_24)
    assert box is not None and "checked" in box.attrs
    assert slot.text().startswith("Repas du mardi 24 novembre Réservé")
    assert tree.by_id("status").attrs["hx-swap-oob"] == "innerHTML"
    assert region(response, "status") == "Repas du mardi 24 novembre réservé."
    assert region(response, "alert") == ""
    assert "<html" not in response.get_data(as_text=True)

    assert reservations(world.lea) == {(world.meal.id, TUE_24): "reserved"}
    (line,) = history(world.lea)
    assert (line.actor_id, line.via, line.before, line.after) == (world.user.id, "portal", None, "reserved")
    assert (line.unit_id, line.date) == (world.meal.id, TUE_24)
    assert line.at == NOW

    response = toggle(client, world.lea, world.meal, TUE_24, False)
    assert region(response, "status") == "Repas du mardi 24 novembre annulé."
    assert "checked" not in checkbox(dom(response), world.meal, TUE_24).attrs
    assert reservations(world.lea) == {}
    assert [(c.before, c.after) for c in history(world.lea)] == [(None, "reserved"), ("reserved", None)]


def test_replaying_the_same_toggle_changes_nothing_twice(client, world):
    first = toggle(client, world.lea, world.meal, TUE_24, True)
    second = toggle(client, world.lea, world.meal, TUE_24, True)
    assert region(first, "status") == "Repas du mardi 24 novembre réservé."
    assert region(second, "status") == "Repas du mardi 24 novembre : déjà réservé."
    assert region(second, "alert") == ""
    assert reservations(world.lea) == {(world.meal.id, TUE_24): "reserved"}
    assert len(history(world.lea)) == 1


def test_a_replay_after_the_deadline_of_a_booked_day_is_unchanged_not_refused(app, client, world):
    toggle(client, world.lea, world.meal, TUE_24, True)
    at(app, dt.datetime(2026, 11, 23, 18, 30, tzinfo=PARIS))  # Tuesday's deadline has passed
    replay = toggle(client, world.lea, world.meal, TUE_24, True)
    assert replay.status_code == 200
    assert region(replay, "alert") == ""
    assert region(replay, "status") == "Repas du mardi 24 novembre : déjà réservé."
    assert reservations(world.lea) == {(world.meal.id, TUE_24): "reserved"}
    assert len(history(world.lea)) == 1


@pytest.mark.parametrize(
    ("case", "day", "want", "stored", "alert", "state"),
    [
        (
            "late booking",
            MON_23,
            True,
            None,
            "Repas du lundi 23 novembre : les réservations sont closes depuis le dimanche 22 novembre à 18 h.",
            "Non réservé — Modifications closes depuis le dimanche 22 novembre à 18 h",
        ),
        (
            "late cancel",
            MON_23,
            False,
            "reserved",
            "Repas du lundi 23 novembre : les annulations sont closes depuis le dimanche 22 novembre à 18 h.",
            "Réservé — Modifications closes depuis le dimanche 22 novembre à 18 h",
        ),
        ("past", THU_19, True, None, "Repas du jeudi 19 novembre : ce jour est passé", "Non réservé — Jour passé"),
        (
            "past cancel",
            THU_19,
            False,
            "reserved",
            "Repas du jeudi 19 novembre : ce jour est passé",
            "Réservé — Jour passé",
        ),
    ],
)
def test_refused_toggle_restores_the_true_state_and_says_why(client, world, case, day, want, stored, alert, state):
    if stored:
        book(world.lea, world.meal, day, stored)
    before = reservations(world.lea)
    response = toggle(client, world.lea, world.meal, day, want)
    assert response.status_code == 200  # htmx 2 swaps 200 only
    assert region(response, "alert").startswith(alert)
    assert region(response, "status") == ""
    tree = dom(response)
    assert tree.by_id(f"st-{key(world.meal, day)}").text().endswith(state)
    assert tree.by_id(f"slot-{key(world.meal, day)}").attrs["hx-swap-oob"] == "true"
    # The refusal is said in the slot too, where the finger is (the alert region is at the top of the page).
    line = tree.by_id(f"rf-{key(world.meal, day)}")
    assert line is not None and line.text().startswith("Non enregistré : " + alert.split(" : ", 1)[1])
    assert tree.by_id(f"slot-{key(world.meal, day)}").attrs["class"].split()[-1] == "slot--refused"
    assert reservations(world.lea) == before
    assert history(world.lea) == []


def test_toggle_on_a_closed_day_is_refused(client, world, make_activity):
    db.session.add(Closure(activity_id=world.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    response = toggle(client, world.lea, world.meal, THU_26, True)
    assert response.status_code == 200
    assert region(response, "alert") == "Repas du jeudi 26 novembre : l'accueil est fermé ce jour-là."
    every_day = make_activity(code="garderie", slot="afternoon", label="Accueil du soir", weekdays="01234")
    enroll(world.lea, every_day[0], every_day[2])
    response = toggle(client, world.lea, every_day[1], dt.date(2026, 12, 25), True)  # Noël
    assert region(response, "alert") == "Accueil du soir du vendredi 25 décembre : l'accueil est fermé ce jour-là."
    assert reservations() == {} and history() == []


def test_toggle_for_an_activity_the_child_is_not_enrolled_in_is_refused(client, world, make_activity):
    _, other_unit, _ = make_activity(code="accueil-matin", slot="morning", label="Accueil du matin")
    response = toggle(client, world.lea, other_unit, TUE_24, True)
    assert response.status_code == 200
    assert region(response, "alert").startswith(
        "Accueil du matin du mardi 24 novembre : Léa n'est pas inscrit(e) à cette activité ce jour-là."
    )
    assert reservations() == {} and history() == []
    # Outside the enrolled period too.
    response = toggle(client, world.lea, world.meal, dt.date(2027, 9, 6), True)
    assert "n'est pas inscrit(e)" in region(response, "alert")
    assert reservations() == {}


@pytest.mark.parametrize(
    ("unit", "day"),
    [
        ("abc", "2026-11-24"),
        ("", "2026-11-24"),
        ("{meal}", "2026-11-31"),
        ("{meal}", "24/11/2026"),
        ("999999", "2026-11-24"),
    ],
)
def test_malformed_toggle_is_refused_with_an_alert(client, world, unit, day):
    response = toggle(client, world.lea, unit.format(meal=world.meal.id), day, True)
    assert response.status_code == 200
    assert region(response, "alert") == "Demande invalide : rechargez la page."
    assert reservations() == {} and history() == []


def test_a_forged_late_post_is_refused_exactly_like_the_page_says(client, world):
    page = dom(client.get(month_url(world.lea)))
    assert checkbox(page, world.meal, MON_23) is None  # the page offers no box ...
    lock = slot_text(page, world.meal, MON_23)
    assert lock.endswith("Modifications closes depuis le dimanche 22 novembre à 18 h")
    for htmx in (True, False):  # ... and a hand-made POST gets the same answer, with or without htmx
        response = toggle(client, world.lea, world.meal, MON_23, True, htmx=htmx)
        if htmx:
            message = region(response, "alert")
        else:
            ((_link, message),) = summary_items(client.get(response.headers["Location"]))
        assert message.startswith(
            "Repas du lundi 23 novembre : les réservations sont closes depuis le dimanche 22 novembre à 18 h."
        )
    assert reservations() == {} and history() == []


def test_full_day_puts_the_child_on_the_waiting_list_with_a_position(client, world, make_family, make_activity):
    leisure = leisure_centre(make_activity, capacity=1)
    enroll(world.lea, leisure.activity, leisure.period)
    _, _, (chloe, jules) = make_family(name="Bernard", children=("Chloé", "Jules"))
    for child in (chloe, jules):
        enroll(child, leisure.activity, leisure.period)
    book(chloe, leisure.morning, WED_25)
    book(jules, leisure.morning, WED_25, "waiting")

    response = toggle(client, world.lea, leisure.morning, WED_25, True)
    assert response.status_code == 200
    assert region(response, "status") == (
        "Matin du mercredi 25 novembre : complet. Vous êtes inscrit(e) en fin de liste d'attente (rang 2)."
    )
    assert region(response, "alert") == ""
    assert dom(response).by_id(f"st-{key(leisure.morning, WED_25)}").text().startswith("En liste d'attente, rang 2")
    assert dom(response).by_id(f"leave-{key(leisure.morning, WED_25)}") is not None
    assert reservations(world.lea) == {(leisure.morning.id, WED_25): "waiting"}
    assert [(c.before, c.after) for c in history(world.lea)] == [(None, "waiting")]
    again = toggle(client, world.lea, leisure.morning, WED_25, True)
    assert region(again, "status") == (
        "Matin du mercredi 25 novembre : vous êtes déjà sur la liste d'attente (rang 2)."
    )
    assert len(history(world.lea)) == 1


# --------------------------------------------------------------------------- toggle without JavaScript


def test_toggle_without_htmx_redirects_with_a_message(client, world):
    response = toggle(client, world.lea, world.meal, TUE_24, True, htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(week_url(world.lea))  # the week of the day: a short page
    page = client.get(response.headers["Location"])
    assert region(page, "status") == "Repas du mardi 24 novembre réservé."
    assert reservations(world.lea) == {(world.meal.id, TUE_24): "reserved"}
    refused = toggle(client, world.lea, world.meal, MON_23, True, htmx=False)
    page = client.get(refused.headers["Location"])
    # The refusal is listed at the top, linked to the slot, and said in the slot itself.
    ((link, message),) = summary_items(page)
    assert message.startswith("Repas du lundi 23 novembre : les réservations sont closes")
    assert link == f"#slot-{key(world.meal, MON_23)}"  # locked: no box, its block
    assert title(page).startswith("Erreur : ")
    assert dom(page).by_id(f"rf-{key(world.meal, MON_23)}").text().startswith(
        "Non enregistré : les réservations sont closes")
    assert region(page, "status") == ""
    assert dom(client.get(week_url(world.lea))).by_id(f"rf-{key(world.meal, MON_23)}") is None  # shown once


# --------------------------------------------------------------------------- access and CSRF


def test_another_familys_child_is_not_found(client, world, make_family):
    _, _, (stranger,) = make_family(name="Bernard", children=("Chloé",))
    enroll(stranger, world.activity, world.period)
    assert client.get(month_url(stranger)).status_code == 404
    assert client.get(f"/enfants/{stranger.id}/agenda").status_code == 404
    assert toggle(client, stranger, world.meal, TUE_24, True).status_code == 404
    assert toggle(client, stranger, world.meal, TUE_24, True, htmx=False).status_code == 404
    assert save(client, stranger, [(world.meal, TUE_24)], [(world.meal, TUE_24)]).status_code == 404
    assert client.get("/enfants/999999/agenda/2026-11").status_code == 404
    assert reservations() == {} and history() == []


def test_agents_do_not_use_the_family_agenda(client, world, make_agent, login_as):
    client.post("/deconnexion", data={"csrf_token": token(client)})
    login_as(make_agent())
    assert client.get(month_url(world.lea)).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(app, world):
    response = app.test_client().get(month_url(world.lea))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_a_change_without_csrf_token_is_rejected(client, world):
    assert toggle(client, world.lea, world.meal, TUE_24, True, csrf=None).status_code == 400
    assert toggle(client, world.lea, world.meal, TUE_24, True, htmx=False, csrf=None).status_code == 400
    assert toggle(client, world.lea, world.meal, TUE_24, True, csrf="forged-token").status_code == 400
    assert save(client, world.lea, [(world.meal, TUE_24)], [(world.meal, TUE_24)], csrf=None).status_code == 400
    assert reservations() == {} and history() == []


# --------------------------------------------------------------------------- the no-JS form


def test_no_js_save_books_cancels_and_lists_refusals(app, client, world):
    book(world.lea, world.meal, FRI_27)  # to cancel
    book(world.lea, world.meal, dt.date(2026, 11, 30))  # ticked and left ticked: not a request
    at(app, dt.datetime(2026, 11, 22, 17, 50, tzinfo=PARIS))
    page = dom(client.get(month_url(world.lea)))  # loaded before 18 h: Monday still editable
    shown = [tuple(v.split(":")) for v in (i.attrs["value"] for i in page.find_all("input", name="shown"))]
    assert (str(world.meal.id), "2026-11-23") in shown
    at(app, NOW)  # ... and sent after 18 h
    days = [MON_23, TUE_24, THU_26, FRI_27, dt.date(2026, 11, 30)]
    response = save(
        client,
        world.lea,
        [(world.meal, d) for d in days],
        [(world.meal, d) for d in (MON_23, TUE_24, THU_26, dt.date(2026, 11, 30))],
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(month_url(world.lea))

    result = client.get(response.headers["Location"])
    assert title(result).startswith("Erreur : Agenda de Léa — novembre 2026")
    tree = dom(result)
    summary = tree.find_all("div", class_="error-summary")[0]
    assert summary.attrs["role"] == "alert"
    assert summary.find_all("h2")[0].text() == "Il y a 1 erreur à corriger"
    (item,) = summary.find_all("li")
    assert (
        item.text()
        == "Repas du lundi 23 novembre : les réservations sont closes depuis le dimanche 22 novembre à 18 h."
    )
    link = item.find_all("a")[0].attrs["href"]
    assert tree.by_id(link.lstrip("#")) is not None  # the link leads to the slot
    status = region(result, "status")
    for sentence in (
        "Repas du mardi 24 novembre réservé.",
        "Repas du jeudi 26 novembre réservé.",
        "Repas du vendredi 27 novembre annulé.",
    ):
        assert sentence in status
    assert "30 novembre" not in status

    assert reservations(world.lea) == {(world.meal.id, d): "reserved" for d in (TUE_24, THU_26, dt.date(2026, 11, 30))}
    assert sorted((c.date, c.before, c.after) for c in history(world.lea)) == [
        (TUE_24, None, "reserved"),
        (THU_26, None, "reserved"),
        (FRI_27, "reserved", None),
    ]
    # The refusal list is shown once: reloading the page is no longer an error page.
    assert not title(client.get(month_url(world.lea))).startswith("Erreur")


def test_no_js_save_with_nothing_changed_says_so(client, world):
    response = save(client, world.lea, [(world.meal, TUE_24)], [])
    page = client.get(response.headers["Location"])
    assert region(page, "status") == "Aucune modification à enregistrer."
    assert not title(page).startswith("Erreur")
    assert history() == []


# --------------------------------------------------------------------------- dependent units


def test_a_wednesday_meal_needs_a_half_day(client, world, make_activity):
    leisure = leisure_centre(make_activity)
    enroll(world.lea, leisure.activity, leisure.period)

    alone = toggle(client, world.lea, leisure.meal, WED_25, True)
    assert region(alone, "alert") == (
        "Repas (accueil de loisirs) du mercredi 25 novembre : "
        "le repas se réserve avec la matinée ou l'après-midi du même jour."
    )
    box = checkbox(dom(alone), leisure.meal, WED_25)
    assert "checked" not in box.attrs
    # Said next to the box, and tied to it.
    line = dom(alone).by_id(f"rf-{key(leisure.meal, WED_25)}")
    assert line.text() == "Non enregistré : le repas se réserve avec la matinée ou l'après-midi du même jour."
    assert box.attrs["aria-describedby"] == f"st-{key(leisure.meal, WED_25)} rf-{key(leisure.meal, WED_25)}"
    assert reservations(world.lea) == {}

    shown = [(leisure.morning, WED_25), (leisure.meal, WED_25), (leisure.afternoon, WED_25)]
    together = save(client, world.lea, shown, [(leisure.morning, WED_25), (leisure.meal, WED_25)])
    page = client.get(together.headers["Location"])
    assert not title(page).startswith("Erreur")
    assert reservations(world.lea) == {(leisure.morning.id, WED_25): "reserved", (leisure.meal.id, WED_25): "reserved"}

    drop_morning = toggle(client, world.lea, leisure.morning, WED_25, False)
    assert region(drop_morning, "alert") == (
        "Matin du mercredi 25 novembre : annulez d'abord le repas de ce jour-là, qui demande une demi-journée."
    )
    assert "checked" in checkbox(dom(drop_morning), leisure.morning, WED_25).attrs
    kept = save(client, world.lea, shown, [(leisure.meal, WED_25)])  # untick the morning only, no JS
    assert (
        "annulez d'abord le repas"
        in dom(client.get(kept.headers["Location"])).find_all("div", class_="error-summary")[0].text()
    )
    assert len(reservations(world.lea)) == 2

    both = save(client, world.lea, shown, [])  # the meal and its half-day cancelled together
    assert not title(client.get(both.headers["Location"])).startswith("Erreur")
    assert reservations(world.lea) == {}
    assert len(history(world.lea)) == 4


def test_a_meal_is_not_booked_on_a_half_day_that_only_got_a_waiting_place(client, world, make_family, make_activity):
    """Booked together, the meal counts on the half-day being held: a waiting-list place does not hold it."""
    leisure = leisure_centre(make_activity)
    leisure.morning.capacity = 1
    db.session.commit()
    enroll(world.lea, leisure.activity, leisure.period)
    _, _, (chloe,) = make_family(name="Bernard", children=("Chloé",))
    enroll(chloe, leisure.activity, leisure.period)
    book(chloe, leisure.morning, WED_25)

    shown = [(leisure.morning, WED_25), (leisure.meal, WED_25), (leisure.afternoon, WED_25)]
    response = save(client, world.lea, shown, [(leisure.morning, WED_25), (leisure.meal, WED_25)])
    page = client.get(response.headers["Location"])
    assert (
        "Matin du mercredi 25 novembre : complet. Vous êtes inscrit(e) en fin de liste d'attente (rang 1)."
        in region(page, "status")
    )
    assert [li.text() for li in dom(page).find_all("div", class_="error-summary")[0].find_all("li")] == [
        "Repas (accueil de loisirs) du mercredi 25 novembre : "
        "le repas se réserve avec la matinée ou l'après-midi du même jour."
    ]
    # Without JavaScript too, the refused slot says why next to its box after the redirect.
    assert dom(page).by_id(f"rf-{key(leisure.meal, WED_25)}").text().startswith("Non enregistré : le repas se")
    assert reservations(world.lea) == {(leisure.morning.id, WED_25): "waiting"}


# --------------------------------------------------------------------------- waiting list promotion


def test_a_cancelled_place_goes_to_the_first_waiting_child_who_is_told_by_email(
    app, client, world, make_family, make_activity
):
    leisure = leisure_centre(make_activity, capacity=1)
    enroll(world.lea, leisure.activity, leisure.period)
    _, bernard_user, (chloe, jules) = make_family(name="Bernard", children=("Chloé", "Jules"))
    for child in (chloe, jules):
        enroll(child, leisure.activity, leisure.period)
    book(world.lea, leisure.morning, WED_25)
    book(jules, leisure.morning, WED_25, "waiting", at_=dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC))
    book(chloe, leisure.morning, WED_25, "waiting", at_=dt.datetime(2026, 11, 12, 8, 0, tzinfo=dt.UTC))

    asked = toggle(client, world.lea, leisure.morning, WED_25, False)  # others wait: asked first
    assert "Libérer la place ?" in slot_text(dom(asked), leisure.morning, WED_25)
    assert reservations(world.lea) == {(leisure.morning.id, WED_25): "reserved"} and outbox(app) == []
    response = toggle(client, world.lea, leisure.morning, WED_25, False, extra={"confirm": "1"})
    assert region(response, "status") == "Matin du mercredi 25 novembre annulé."
    assert reservations(jules) == {(leisure.morning.id, WED_25): "reserved"}
    assert reservations(chloe) == {(leisure.morning.id, WED_25): "waiting"}
    (promotion,) = history(jules)
    assert (promotion.before, promotion.after, promotion.via, promotion.actor_id) == (
        "waiting",
        "reserved",
        "system",
        None,
    )
    (mail,) = outbox(app)
    assert mail["To"] == bernard_user.email
    assert "place s'est libérée" in mail["Subject"]
    body = mail.get_content()
    assert "Jules" in body and "Matin du mercredi 25 novembre" in body
    # Chloé is now first in line.
    assert service.waiting_positions(
        [db.session.execute(select(Reservation).where(Reservation.child_id == chloe.id)).scalar_one()]
    ) == {(leisure.morning.id, WED_25): 1}


# --------------------------------------------------------------------------- query budget


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def page_queries(client, child, ym=NOVEMBER) -> int:
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(month_url(child, ym)).status_code == 200
    return counter.count


def test_month_page_query_count_does_not_grow_with_the_month(app, client, world, make_family, make_activity):
    """The same number of SQL statements for a month without any service day, an empty month and a full month
    with more activities: nothing is queried per day, per slot or per reservation."""
    leisure = leisure_centre(make_activity, capacity=2)
    enroll(world.lea, leisure.activity, leisure.period)
    _, _, others = make_family(name="Bernard", children=("Chloé", "Jules", "Inès"))
    for child in others:
        enroll(child, leisure.activity, leisure.period)
    client.get(month_url(world.lea))  # warm caches (holiday calendars) outside the count

    no_day = page_queries(client, world.lea, "2027-08")  # summer holidays: not a single fieldset
    empty = page_queries(client, world.lea)
    assert empty == no_day, f"{no_day} queries for a month without service, {empty} for November"
    _, morning, period = make_activity(code="accueil-matin", slot="morning", label="Accueil du matin")
    enroll(world.lea, morning.activity, period)
    for day in (dt.date(2026, 11, d) for d in range(1, 31)):
        for unit in (world.meal, morning):
            if day.weekday() in (0, 1, 3, 4):
                db.session.add(Reservation(child_id=world.lea.id, unit_id=unit.id, date=day, state="reserved"))
        if day.weekday() == 2 and day.day != 11:
            for unit in (leisure.morning, leisure.meal, leisure.afternoon):
                db.session.add(Reservation(child_id=world.lea.id, unit_id=unit.id, date=day, state="reserved"))
                db.session.add(Reservation(child_id=others[0].id, unit_id=unit.id, date=day, state="reserved"))
    db.session.commit()
    client.get(month_url(world.lea))  # the new activity: the configuration is read again once, outside the count
    full = page_queries(client, world.lea)
    assert full == empty, f"{empty} queries for an empty month, {full} for a full one"

    # Waiting-list positions: one query for the month, whatever the number of waiting days.
    db.session.execute(
        db.delete(Reservation).where(
            Reservation.unit_id.in_([leisure.morning.id, leisure.meal.id, leisure.afternoon.id]),
            Reservation.child_id == world.lea.id,
        )
    )
    for day in (dt.date(2026, 11, 4), dt.date(2026, 11, 18), WED_25):
        for child in others[1:]:
            db.session.add(Reservation(child_id=child.id, unit_id=leisure.morning.id, date=day, state="reserved"))
    db.session.add(
        Reservation(child_id=world.lea.id, unit_id=leisure.morning.id, date=dt.date(2026, 11, 4), state="waiting")
    )
    db.session.commit()
    one_waiting = page_queries(client, world.lea)
    for day in (dt.date(2026, 11, 18), WED_25):
        db.session.add(Reservation(child_id=world.lea.id, unit_id=leisure.morning.id, date=day, state="waiting"))
    db.session.commit()
    assert page_queries(client, world.lea) == one_waiting
    assert one_waiting <= empty + 1


# --------------------------------------------------------------------------- concurrency


def race_for_the_last_places(app):
    """12 children enrolled in a 3-place unit ask for the same day at the same instant, each in its own thread and
    application context (its own session and connection), through service.apply_batch."""
    at(app, NOW)
    activity = Activity(code="alsh", name="Accueil de loisirs")
    family = Family(dossier_number="RACE-1", name="Nombreux")
    db.session.add_all([activity, family])
    db.session.flush()
    unit = Unit(activity_id=activity.id, slot="morning", label="Matin", weekdays="2", capacity=3)
    period = Period(
        activity_id=activity.id, name="2026-2027", start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 7, 3)
    )
    children = [
        Person(family_id=family.id, role="child", first_name=f"Enfant{i}", last_name="Nombreux") for i in range(12)
    ]
    db.session.add_all([unit, period, *children])
    db.session.flush()
    db.session.add_all(Enrollment(child_id=c.id, activity_id=activity.id, period_id=period.id) for c in children)
    db.session.commit()
    child_ids, unit_id = [c.id for c in children], unit.id
    service.load_agenda(children[0], WED_25, WED_25)  # load the holiday calendars once, not in 12 threads
    db.session.remove()

    barrier = threading.Barrier(len(child_ids))
    results, errors = {}, []

    def book_in_thread(child_id):
        try:
            with app.app_context():
                child = db.session.get(Person, child_id)
                agenda = service.load_agenda(child, WED_25, WED_25)
                the_unit = agenda.units[unit_id]
                db.session.commit()  # end the read transaction: every thread starts its write at the barrier
                barrier.wait(timeout=20)
                outcome = service.apply_batch(agenda, {(the_unit.id, WED_25): True}, NOW, actor_id=None)[0]
                results[child_id] = (outcome.decision.outcome, outcome.position)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(repr(exc))

    threads = [threading.Thread(target=book_in_thread, args=(cid,)) for cid in child_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(o for o, _ in results.values()) == ["reserved"] * 3 + ["waiting"] * 9
    assert sorted(p for o, p in results.values() if o == "waiting") == list(range(1, 10))

    stored = db.session.execute(select(Reservation).where(Reservation.unit_id == unit_id)).scalars().all()
    assert sorted(r.state for r in stored) == ["reserved"] * 3 + ["waiting"] * 9
    ranks = sorted(service.waiting_positions([r])[(unit_id, WED_25)] for r in stored if r.state == "waiting")
    assert ranks == list(range(1, 10))
    assert len(history()) == 12


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_concurrent_bookings_never_exceed_capacity(app):
    """PostgreSQL: the row lock on the unit serialises the count of places and the insert."""
    race_for_the_last_places(app)


@pytest.fixture
def file_app(tmp_path, monkeypatch):
    """The application on an SQLite file (the embedded default), where several connections really compete."""
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'agenda.db'}",
        }
    )
    with application.app_context():
        db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()


def test_concurrent_bookings_never_exceed_capacity_on_sqlite(file_app):
    """SQLite file: the same race, serialised by the database write lock taken before counting."""
    race_for_the_last_places(file_app)
