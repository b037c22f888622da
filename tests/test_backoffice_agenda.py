"""Back office: an agent changes any child's agenda regardless of deadlines (reason recorded), configures
activities (deadlines, units, periods, closures) and reads the occupancy. Access control and CSRF included."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from support import PASSWORD, csrf_from, enroll, outbox, region, text_of

from models import (
    Activity,
    Closure,
    DeadlinePolicy,
    Period,
    Reservation,
    ReservationChange,
    Unit,
    db,
)

PARIS = ZoneInfo("Europe/Paris")
# Sunday evening: Monday 23 is locked for families (day-before 18 h deadline passed), Tuesday 24 is open.
NOW = dt.datetime(2026, 11, 22, 19, 0, tzinfo=PARIS)
MON_23, TUE_24, WED_25, THU_26, FRI_27 = (dt.date(2026, 11, d) for d in (23, 24, 25, 26, 27))
NOVEMBER = "2026-11"
NO_REASON_TOGGLE = "Indiquez le motif de la modification avant de cocher."
NO_REASON_SAVE = "Indiquez le motif de la modification. Rien n'a été enregistré."
NO_REASON_SLOT = "Non enregistré : indiquez d'abord le motif de la modification."


# --------------------------------------------------------------------------- reading pages


class _Page(HTMLParser):
    """Texts by id and the fields of each form (as a browser would submit them), stdlib only."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.attrs_by_id: dict[str, dict] = {}
        self._form: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if "id" in a:
            self.attrs_by_id[a["id"]] = a | {"tag": tag}
        if tag == "form":
            self._form = a.get("action", "")
            self.forms.setdefault(self._form, [])
        elif self._form is not None and tag == "input" and a.get("name"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.forms[self._form].append((a["name"], a.get("value", "")))
        elif self._form is not None and tag == "select":
            self._select = a.get("name")
        elif self._select and tag == "option" and "selected" in a:
            self.forms[self._form].append((self._select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page(response) -> _Page:
    parser = _Page()
    parser.feed(response.get_data(as_text=True))
    return parser






# --------------------------------------------------------------------------- data and requests


def day_before_at_18() -> DeadlinePolicy:
    return DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))


def login(app, user):
    """A separate browser (test client) logged in as `user`."""
    browser = app.test_client()
    form = browser.get("/connexion").get_data(as_text=True)
    browser.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(form)})
    return browser


@pytest.fixture
def world(app, client, make_family, make_activity, make_agent, login_as):
    """Léa (famille Martin) enrolled in the canteen (Mon, Tue, Thu, Fri; booking and cancelling until the day before
    at 18 h); the clock is Sunday 22 November 2026, 19 h; `client` is logged in as an agent."""
    app.config["CLOCK"] = lambda: NOW
    family, parent, (lea,) = make_family()
    activity, meal, period = make_activity(booking_policy=day_before_at_18(), cancel_policy=day_before_at_18())
    enroll(lea, activity, period)
    agent = make_agent()
    login_as(agent)
    return SimpleNamespace(family=family, parent=parent, lea=lea, activity=activity, meal=meal, period=period,
                           agent=agent)


def token(client) -> str:
    return csrf_from(client.get("/gestion/").get_data(as_text=True))


def agenda_url(child, ym=NOVEMBER) -> str:
    return f"/gestion/enfants/{child.id}/agenda/{ym}"


def week_url(child, monday="2026-11-23") -> str:
    return f"/gestion/enfants/{child.id}/agenda/semaine/{monday}"


def toggle(client, child, unit, day, want: bool, reason: str | None = "Appel de la mère", *, htmx=True, csrf="auto"):
    """What the agent's checkbox sends (hx-params: unit, date, the box, reason)."""
    csrf = token(client) if csrf == "auto" else csrf
    data = {"unit": str(unit.id), "date": day.isoformat()}
    if want:
        data[f"s-{unit.id}-{day.isoformat()}"] = "1"
    if reason is not None:
        data["reason"] = reason
    headers = {"HX-Request": "true", "X-CSRFToken": csrf} if htmx and csrf else {}
    if not htmx and csrf:
        data["csrf_token"] = csrf
    return client.post(f"/gestion/enfants/{child.id}/reservations", data=data, headers=headers)


def save(client, child, shown, checked, reason="Appel de la mère", csrf="auto"):
    """The no-JS month form of the agent."""
    data = {"shown": [f"{u.id}:{d.isoformat()}" for u, d in shown], "reason": reason}
    data.update({f"s-{u.id}-{d.isoformat()}": "1" for u, d in checked})
    if csrf:
        data["csrf_token"] = token(client) if csrf == "auto" else csrf
    return client.post(agenda_url(child), data=data)


def reservations(child=None) -> dict[tuple[int, dt.date], str]:
    db.session.expire_all()
    query = select(Reservation) if child is None else select(Reservation).where(Reservation.child_id == child.id)
    return {(r.unit_id, r.date): r.state for r in db.session.execute(query).scalars()}


def history(child) -> list[ReservationChange]:
    db.session.expire_all()
    return list(db.session.execute(select(ReservationChange).where(ReservationChange.child_id == child.id)
                                   .order_by(ReservationChange.id)).scalars())


def settings_form(client, activity) -> dict[str, list[str]]:
    """The settings form exactly as the page shows it (what an agent submits when changing nothing)."""
    url = f"/gestion/activites/{activity.id}"
    fields: dict[str, list[str]] = {}
    for name, value in page(client.get(url)).forms[url]:
        fields.setdefault(name, []).append(value)
    return fields


def post_settings(client, activity, changes=None):
    """Submit the settings form with some fields changed ({"units-0-capacity": "1"})."""
    data = settings_form(client, activity)
    data.update(changes or {})
    return client.post(f"/gestion/activites/{activity.id}", data=data)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


# --------------------------------------------------------------------------- the agent's agenda


def test_agent_agenda_page_edits_locked_days_and_asks_for_a_reason(client, world):
    response = client.get(agenda_url(world.lea))
    assert response.status_code == 200
    doc = page(response)
    assert doc.attrs_by_id["reason"]["tag"] == "input" and "required" in doc.attrs_by_id["reason"]
    monday = doc.attrs_by_id[f"cb-{world.meal.id}-{MON_23.isoformat()}"]  # locked for the family, not for agents
    assert monday["hx-post"] == f"/gestion/enfants/{world.lea.id}/reservations"
    assert monday["hx-params"].endswith(",reason")
    assert f'action="/gestion/enfants/{world.lea.id}/agenda/2026-11"' in response.get_data(as_text=True)
    words = text_of(response)
    assert "Vous modifiez en tant qu'agent" in words and "Famille Martin" in words
    assert f"/gestion/enfants/{world.lea.id}/agenda/2026-12" in response.get_data(as_text=True)


def test_agenda_link_per_child_opens_the_current_week_at_the_top(client, world):
    """The reason field is at the top of the page: the agenda opens there (no anchor further down), on the week."""
    family_page = client.get(f"/gestion/familles/{world.family.id}").get_data(as_text=True)
    assert f'href="/gestion/enfants/{world.lea.id}/agenda"' in family_page
    response = client.get(f"/gestion/enfants/{world.lea.id}/agenda")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(week_url(world.lea, "2026-11-16"))  # Sunday 22: that week
    assert "#" not in response.headers["Location"]
    week = client.get(response.headers["Location"])
    doc = page(week)
    assert doc.attrs_by_id["reason"]["tag"] == "input"
    body = week.get_data(as_text=True)
    assert body.index('id="reason"') < body.index(f'id="cb-{world.meal.id}-2026-11-16"')
    assert 'class="agenda agenda--agent"' in body  # the reason field stays in view on a tablet (site.css)
    assert f'action="{week_url(world.lea, "2026-11-16")}"' in body
    assert client.get(week_url(world.lea, "2026-11-18")).headers["Location"].endswith(
        week_url(world.lea, "2026-11-16"))
    assert client.get(week_url(world.lea, "2026-02-30")).status_code == 404


def test_no_js_week_save_with_a_reason(client, world):
    response = client.post(week_url(world.lea), data={
        "shown": [f"{world.meal.id}:{MON_23.isoformat()}"], f"s-{world.meal.id}-{MON_23.isoformat()}": "1",
        "reason": "Appel", "csrf_token": token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith(week_url(world.lea))
    assert reservations(world.lea) == {(world.meal.id, MON_23): "reserved"}


def test_only_children_have_an_agenda(client, world):
    guardian = next(p for p in world.family.members if p.role == "guardian")
    assert client.get(agenda_url(guardian)).status_code == 404
    assert client.get("/gestion/enfants/999999/agenda/2026-11").status_code == 404
    assert client.get(f"/gestion/enfants/{world.lea.id}/agenda/2026-13").status_code == 404


def test_agent_toggles_a_locked_day_with_a_reason(client, world):
    response = toggle(client, world.lea, world.meal, MON_23, True, reason="  Appel de la mère le 22/11 ")
    assert response.status_code == 200
    assert region(response, "status") == "Repas du lundi 23 novembre réservé."
    assert region(response, "alert") == ""
    doc = page(response)
    box = doc.attrs_by_id[f"cb-{world.meal.id}-{MON_23.isoformat()}"]  # still a checkbox: focus is kept
    assert "checked" in box and box["hx-post"] == f"/gestion/enfants/{world.lea.id}/reservations"
    assert reservations(world.lea) == {(world.meal.id, MON_23): "reserved"}
    (line,) = history(world.lea)
    assert (line.before, line.after, line.via, line.actor_id, line.reason) == (
        None, "reserved", "agent", world.agent.id, "Appel de la mère le 22/11")

    # ...and cancels it again, past the cancelling deadline too.
    response = toggle(client, world.lea, world.meal, MON_23, False, reason="Erreur de saisie")
    assert region(response, "status") == "Repas du lundi 23 novembre annulé."
    assert reservations(world.lea) == {}
    assert [(h.after, h.via, h.reason) for h in history(world.lea)][-1] == (None, "agent", "Erreur de saisie")


def test_toggle_without_reason_is_refused_and_the_true_state_restored(client, world):
    key = f"{world.meal.id}-{MON_23.isoformat()}"
    for reason in (None, "", "   "):
        response = toggle(client, world.lea, world.meal, MON_23, True, reason=reason)
        assert response.status_code == 200
        assert region(response, "alert") == NO_REASON_TOGGLE, reason
        assert region(response, "status") == ""
        doc = page(response)
        box = doc.attrs_by_id[f"cb-{key}"]
        assert "checked" not in box
        # Said next to the box too, with a way to the reason field.
        assert doc.attrs_by_id[f"rf-{key}"]["tag"] == "p" and box["aria-describedby"] == f"st-{key} rf-{key}"
        assert NO_REASON_SLOT in text_of(response)
        assert '<a href="#reason">Aller au motif</a>' in response.get_data(as_text=True)
    assert reservations() == {} and history(world.lea) == []


def test_toggle_without_reason_and_without_javascript_redirects_with_the_message(client, world):
    response = toggle(client, world.lea, world.meal, MON_23, True, reason="", htmx=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(week_url(world.lea))
    result = client.get(week_url(world.lea))
    body = result.get_data(as_text=True).replace("&#39;", "'")
    assert f'<a href="#reason">{NO_REASON_TOGGLE}</a>' in body  # error summary, to the reason field
    assert page(result).attrs_by_id[f"rf-{world.meal.id}-{MON_23.isoformat()}"]["tag"] == "p"  # and at the box
    assert NO_REASON_SLOT in text_of(result)
    assert reservations() == {}


def test_agents_still_cannot_book_a_closed_day(client, world):
    db.session.add(Closure(activity_id=world.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    response = toggle(client, world.lea, world.meal, THU_26, True)
    assert "l'accueil est fermé ce jour-là" in region(response, "alert")
    assert reservations() == {}


def test_no_js_save_with_a_reason_applies_locked_days(client, world):
    response = save(client, world.lea, [(world.meal, MON_23), (world.meal, TUE_24)],
                    [(world.meal, MON_23), (world.meal, TUE_24)], reason="Inscription tardive acceptée")
    assert response.status_code == 302 and response.headers["Location"].endswith(agenda_url(world.lea))
    assert reservations(world.lea) == {(world.meal.id, MON_23): "reserved", (world.meal.id, TUE_24): "reserved"}
    assert {(h.via, h.actor_id, h.reason) for h in history(world.lea)} == {
        ("agent", world.agent.id, "Inscription tardive acceptée")}
    status = region(client.get(agenda_url(world.lea)), "status")
    assert "Repas du lundi 23 novembre réservé." in status and "Repas du mardi 24 novembre réservé." in status


def test_no_js_save_without_reason_refuses_everything_and_keeps_the_ticks(client, world):
    response = save(client, world.lea, [(world.meal, MON_23), (world.meal, TUE_24)],
                    [(world.meal, MON_23), (world.meal, TUE_24)], reason=" ")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(r"<title>Erreur : ", body)
    assert f'<a href="#reason">{NO_REASON_SAVE}</a>' in body.replace("&#39;", "'")  # error summary
    doc = page(response)
    assert doc.attrs_by_id["reason"]["aria-invalid"] == "true"
    assert "reason-error" in doc.attrs_by_id["reason"]["aria-describedby"]
    assert NO_REASON_SAVE in text_of(response)
    for day in (MON_23, TUE_24):  # the boxes as the agent left them, each saying it was not saved
        assert "checked" in doc.attrs_by_id[f"cb-{world.meal.id}-{day.isoformat()}"]
        assert f"rf-{world.meal.id}-{day.isoformat()}" in doc.attrs_by_id[f"cb-{world.meal.id}-{day.isoformat()}"][
            "aria-describedby"]
    assert text_of(response).count(NO_REASON_SLOT) == 2
    assert reservations() == {} and history(world.lea) == []


def test_no_js_save_of_an_unchanged_month_needs_no_reason(client, world):
    response = save(client, world.lea, [(world.meal, TUE_24)], [], reason="")
    assert response.status_code == 302
    assert "Aucune modification à enregistrer." in region(client.get(agenda_url(world.lea)), "status")


# --------------------------------------------------------------------------- access control and CSRF


def _routes(world):
    child, activity = world.lea, world.activity
    return [("get", f"/gestion/enfants/{child.id}/agenda"), ("get", agenda_url(child)),
            ("post", agenda_url(child)), ("post", f"/gestion/enfants/{child.id}/reservations"),
            ("get", week_url(child)), ("post", week_url(child)),
            ("get", "/gestion/activites"), ("get", f"/gestion/activites/{activity.id}"),
            ("post", f"/gestion/activites/{activity.id}"), ("post", f"/gestion/activites/{activity.id}/fermetures"),
            ("get", f"/gestion/activites/{activity.id}/occupation"),
            ("get", f"/gestion/activites/{activity.id}/occupation/{NOVEMBER}")]


def test_parents_are_refused_everywhere(app, world):
    db.session.add(Closure(activity_id=world.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    closure_id = db.session.execute(select(Closure.id)).scalar_one()
    parent = login(app, world.parent)
    csrf = csrf_from(parent.get("/mon-accueil").get_data(as_text=True))
    routes = _routes(world) + [("post", f"/gestion/activites/{world.activity.id}/fermetures/{closure_id}/supprimer")]
    for method, url in routes:
        data = {"csrf_token": csrf, "reason": "x", "unit": str(world.meal.id), "date": TUE_24.isoformat(),
                f"s-{world.meal.id}-{TUE_24.isoformat()}": "1", "closure-date": "2026-12-01",
                "closure-reason": "Grève", "shown": f"{world.meal.id}:{TUE_24.isoformat()}"}
        response = parent.get(url) if method == "get" else parent.post(url, data=data)
        assert response.status_code == 403, url
    assert reservations() == {} and fresh(Closure, closure_id) is not None
    assert db.session.execute(select(Closure)).scalars().all() == [fresh(Closure, closure_id)]


def test_anonymous_visitors_are_sent_to_the_login_page(app, world):
    anonymous = app.test_client()
    csrf = csrf_from(anonymous.get("/connexion").get_data(as_text=True))
    for method, url in _routes(world):
        response = anonymous.get(url) if method == "get" else anonymous.post(url, data={"csrf_token": csrf})
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url


def test_csrf_is_enforced(client, world):
    assert toggle(client, world.lea, world.meal, MON_23, True, csrf=None).status_code == 400
    assert toggle(client, world.lea, world.meal, MON_23, True, htmx=False, csrf=None).status_code == 400
    assert save(client, world.lea, [(world.meal, MON_23)], [(world.meal, MON_23)], csrf=None).status_code == 400
    assert client.post(week_url(world.lea), data={"reason": "x", "shown": f"{world.meal.id}:2026-11-23",
                                                  f"s-{world.meal.id}-2026-11-23": "1"}).status_code == 400
    data = settings_form(client, world.activity)
    data.pop("csrf_token")
    data["units-0-capacity"] = ["5"]
    assert client.post(f"/gestion/activites/{world.activity.id}", data=data).status_code == 400
    assert client.post(f"/gestion/activites/{world.activity.id}/fermetures",
                       data={"closure-date": "2026-11-24", "closure-reason": "Grève"}).status_code == 400
    db.session.add(Closure(activity_id=world.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    closure_id = db.session.execute(select(Closure.id)).scalar_one()
    assert client.post(f"/gestion/activites/{world.activity.id}/fermetures/{closure_id}/supprimer").status_code == 400
    assert reservations() == {} and fresh(Unit, world.meal.id).capacity is None
    assert [c.date for c in db.session.execute(select(Closure)).scalars()] == [THU_26]


# --------------------------------------------------------------------------- activity settings


def test_activities_list_says_deadlines_units_and_places(client, world):
    response = client.get("/gestion/activites")
    words = text_of(response)
    assert "Réservation possible jusqu'à la veille à 18 h." in words
    assert "Repas : lundi, mardi, jeudi, vendredi — places illimitées" in words
    assert f"/gestion/activites/{world.activity.id}/occupation/2026-11" in response.get_data(as_text=True)
    assert 'href="/gestion/activites"' in client.get("/gestion/").get_data(as_text=True)
    assert 'href="/gestion/activites"' in client.get("/plan-du-site").get_data(as_text=True)


def test_submitting_the_settings_unchanged_changes_nothing(client, world):
    policy_ids = (world.activity.booking_policy_id, world.activity.cancel_policy_id)
    response = post_settings(client, world.activity)
    assert response.status_code == 302
    activity = fresh(Activity, world.activity.id)
    assert (activity.booking_policy_id, activity.cancel_policy_id) == policy_ids
    unit = fresh(Unit, world.meal.id)
    assert (unit.label, unit.weekdays, unit.capacity) == ("Repas", "0134", None)
    assert "Paramètres de « Restauration » enregistrés." in region(client.get("/gestion/activites"), "status")


def test_capacity_one_sends_the_second_child_to_the_waiting_list(app, client, world, make_family):
    _, other_parent, (hugo,) = make_family(name="Bernard", children=("Hugo",))
    enroll(hugo, world.activity, world.period)
    response = post_settings(client, world.activity, {"units-0-capacity": "1"})
    assert response.status_code == 302
    assert fresh(Unit, world.meal.id).capacity == 1

    lea_parent, hugo_parent = login(app, world.parent), login(app, other_parent)
    for browser, child in ((lea_parent, world.lea), (hugo_parent, hugo)):
        csrf = csrf_from(browser.get("/mon-accueil").get_data(as_text=True))
        browser.post(f"/enfants/{child.id}/reservations", headers={"HX-Request": "true", "X-CSRFToken": csrf},
                     data={"unit": world.meal.id, "date": TUE_24.isoformat(),
                           f"s-{world.meal.id}-{TUE_24.isoformat()}": "1"})
    assert reservations(world.lea) == {(world.meal.id, TUE_24): "reserved"}
    assert reservations(hugo) == {(world.meal.id, TUE_24): "waiting"}
    assert "En liste d'attente, rang 1" in text_of(hugo_parent.get(f"/enfants/{hugo.id}/agenda/{NOVEMBER}"))

    # More places: the waiting child gets one at once, and the family is told.
    response = post_settings(client, world.activity, {"units-0-capacity": ""})
    assert reservations(hugo) == {(world.meal.id, TUE_24): "reserved"}
    assert "1 enfant de la liste d'attente a obtenu une place" in region(client.get("/gestion/activites"), "status")
    (promotion,) = [h for h in history(hugo) if h.before == "waiting"]
    assert (promotion.after, promotion.via, promotion.actor_id) == ("reserved", "system", world.agent.id)
    assert [m["To"] for m in outbox(app)] == [other_parent.email]


def test_policy_and_period_changes_reach_the_family_page(app, client, world):
    response = post_settings(client, world.activity, {
        "booking-kind": "weekday_before", "booking-weekday": "3", "booking-cutoff": "10:00",
        "cancel-kind": "working_days", "cancel-days": "2", "cancel-cutoff": "09:30",
        "absence_justification_hours": "72", "periods-0-end_date": "2026-11-24", "units-0-weekdays": ["0", "1"],
        "units-0-label": "Déjeuner"})
    assert response.status_code == 302, text_of(response)
    activity = fresh(Activity, world.activity.id)
    assert activity.absence_justification_hours == 72
    assert (activity.booking_policy.kind, activity.booking_policy.weekday, activity.booking_policy.cutoff) == (
        "weekday_before", 3, dt.time(10, 0))
    assert db.session.execute(select(DeadlinePolicy)).scalars().all().__len__() == 2  # replaced rows removed

    words = text_of(login(app, world.parent).get(f"/enfants/{world.lea.id}/agenda/{NOVEMBER}"))
    assert "Réservation possible jusqu'au jeudi de la semaine précédente à 10 h." in words
    assert "Annulation possible jusqu'à 2 jours ouvrés avant, à 9 h 30." in words
    assert "Déjeuner du lundi 23 novembre" in words and "Déjeuner du mardi 24 novembre" in words
    assert "Déjeuner du jeudi 26 novembre" not in words  # no longer a canteen day, and after the period


def test_a_new_closure_shows_on_the_family_page_and_can_be_removed(app, client, world):
    csrf = token(client)
    response = client.post(f"/gestion/activites/{world.activity.id}/fermetures",
                           data={"csrf_token": csrf, "closure-date": "2026-11-24", "closure-reason": "Grève"})
    assert response.status_code == 200 and "Confirmer la fermeture" in text_of(response)  # a confirmation first
    assert db.session.execute(select(Closure)).scalars().all() == []
    response = client.post(f"/gestion/activites/{world.activity.id}/fermetures",
                           data={"csrf_token": csrf, "closure-date": "2026-11-24", "closure-reason": "Grève",
                                 "confirm": "1"})
    assert response.status_code == 302
    parent = login(app, world.parent)
    assert "Mardi 24 novembre : Fermé (Grève)" in text_of(parent.get(f"/enfants/{world.lea.id}/agenda/{NOVEMBER}"))
    edit = client.get(f"/gestion/activites/{world.activity.id}")
    assert "Fermeture du mardi 24 novembre ajoutée" in region(edit, "status")
    assert "mardi 24 novembre 2026" in text_of(edit)

    again = client.post(f"/gestion/activites/{world.activity.id}/fermetures",
                        data={"csrf_token": csrf, "closure-date": "2026-11-24", "closure-reason": "Grève"})
    assert again.status_code == 200
    assert "Une fermeture est déjà enregistrée ce jour-là." in text_of(again)
    assert len(db.session.execute(select(Closure)).scalars().all()) == 1

    closure_id = db.session.execute(select(Closure.id)).scalar_one()
    response = client.post(f"/gestion/activites/{world.activity.id}/fermetures/{closure_id}/supprimer",
                           data={"csrf_token": csrf, "confirm": "1"})
    assert response.status_code == 302
    assert "Fermé (Grève)" not in text_of(parent.get(f"/enfants/{world.lea.id}/agenda/{NOVEMBER}"))


def test_closure_needs_a_date_and_a_reason(client, world):
    response = client.post(f"/gestion/activites/{world.activity.id}/fermetures",
                           data={"csrf_token": token(client), "closure-date": "31/02/2026", "closure-reason": ""})
    assert response.status_code == 200
    words = text_of(response)
    assert "Saisissez une date valide" in words and "Saisissez le motif de la fermeture" in words
    assert '<a href="#closure-date">' in response.get_data(as_text=True)
    assert db.session.execute(select(Closure)).scalars().all() == []


INVALID_SETTINGS = [  # (fields changed, id of the field in error, its message)
    ({"units-0-capacity": "-1"}, "units-0-capacity", "Saisissez un nombre de places entre 0 et 9999"),
    ({"units-0-capacity": "abc"}, "units-0-capacity", "Saisissez un nombre de places entier"),
    ({"units-0-weekdays": []}, "units-0-weekdays-0", "Cochez au moins un jour d'accueil."),
    ({"units-0-label": " "}, "units-0-label", "Saisissez le nom affiché du créneau"),
    ({"periods-0-end_date": "2026-08-31"}, "periods-0-end_date", "Le dernier jour doit être le même jour"),
    ({"periods-0-start_date": ""}, "periods-0-start_date", "Saisissez le premier jour de la période."),
    ({"booking-kind": "calendar_days", "booking-days": ""}, "booking-days", "Saisissez le nombre de jours (N)"),
    ({"booking-kind": "weekday_before", "booking-weekday": ""}, "booking-weekday",
     "Choisissez le jour de la semaine précédente."),
    ({"cancel-cutoff": "25:00"}, "cancel-cutoff", "Saisissez une heure valide"),
    ({"booking-kind": "every_full_moon"}, "booking-kind", "Choisissez une valeur de la liste."),
    ({"absence_justification_hours": "-5"}, "absence_justification_hours", "Saisissez un nombre d'heures entre 0"),
]


def test_invalid_settings_are_refused_with_messages_and_nothing_is_saved(client, world):
    for changes, field_id, message in INVALID_SETTINGS:
        # A valid change travels with the invalid one: it must not be saved either.
        response = post_settings(client, world.activity, {"units-0-label": "Déjeuner", **changes})
        assert response.status_code == 200, changes
        body = response.get_data(as_text=True).replace("&#39;", "'")
        assert re.search(r"<title>Erreur : ", body), changes
        assert re.search(rf'<a href="#{field_id}">{re.escape(message)}', body), changes
        assert f'id="{field_id.removesuffix("-0")}-error"' in body, changes  # next to the field too
        activity = fresh(Activity, world.activity.id)
        unit, period = fresh(Unit, world.meal.id), fresh(Period, world.period.id)
        assert (unit.label, unit.weekdays, unit.capacity) == ("Repas", "0134", None), changes
        assert (period.start_date, period.end_date) == (dt.date(2026, 9, 1), dt.date(2027, 7, 3)), changes
        assert activity.booking_policy.kind == "calendar_days", changes
        assert activity.absence_justification_hours is None, changes


def test_a_form_for_other_units_is_refused(client, world, make_activity):
    _, other_unit, _ = make_activity(code="alsh")
    response = post_settings(client, world.activity, {"units-0-unit_id": str(other_unit.id), "units-0-capacity": "3"})
    assert response.status_code == 200
    assert "ont changé depuis l'ouverture de la page" in text_of(response)
    assert fresh(Unit, other_unit.id).capacity is None and fresh(Unit, world.meal.id).capacity is None


# --------------------------------------------------------------------------- occupancy


def test_occupancy_per_open_day_and_unit_from_one_grouped_query(client, world, make_family):
    unit = fresh(Unit, world.meal.id)
    unit.capacity = 3
    db.session.add(Closure(activity_id=world.activity.id, date=THU_26, reason="Grève"))
    _, _, kids = make_family(name="Bernard", children=("Hugo", "Inès", "Jules", "Chloé"))
    states = {MON_23: ["reserved", "absent", "justified", "waiting"], TUE_24: ["reserved", "waiting", "waiting"],
              THU_26: ["reserved"]}
    for day, day_states in states.items():
        for child, state in zip(kids, day_states):
            db.session.add(Reservation(child_id=child.id, unit_id=unit.id, date=day, state=state))
    db.session.commit()
    url = f"/gestion/activites/{world.activity.id}/occupation/{NOVEMBER}"
    client.get(url)  # warm the holiday calendars

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len([s for s in statements if re.search(r"FROM reservation\b", s)]) == 1

    body = response.get_data(as_text=True)
    assert 'class="table-scroll" role="region"' in body and "<caption" in body and 'scope="col"' in body

    def row(day):
        match = re.search(rf'<tr id="jour-{day.isoformat()}-{unit.id}">(.*?)</tr>', body, re.S)
        return None if match is None else re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()

    assert row(MON_23) == "Lundi 23 novembre Repas 3 3 0 (complet) 1 Voir la liste : Repas, lundi 23 novembre"
    assert row(TUE_24) == "Mardi 24 novembre Repas 3 1 2 2 Voir la liste : Repas, mardi 24 novembre"
    assert row(FRI_27) == "Vendredi 27 novembre Repas 3 0 3 0 Voir la liste : Repas, vendredi 27 novembre"
    assert row(WED_25) is None and row(THU_26) is None  # not a canteen day; closed
    assert "Réservations des jours sans accueil" in text_of(response)  # Thursday's booking made before the strike


# --------------------------------------------------------------------------- closures cancel the day


@pytest.fixture
def closed_day(world, make_family, make_activity):
    """Tuesday 24: the canteen has a morning unit and a meal that needs it (2 places). Léa (Martin) and Inès
    (Bernard) hold both, Hugo (Bernard) holds the morning and waits for the meal; Léa also has Thursday's meal and
    Tuesday's study (another activity). Returns the Bernard parent and the children."""
    morning = Unit(activity_id=world.activity.id, slot="morning", label="Accueil du matin", weekdays="0134")
    db.session.add(morning)
    db.session.flush()
    meal = fresh(Unit, world.meal.id)
    meal.capacity, meal.requires_one_of = 2, str(morning.id)
    _, bernard, (hugo, ines) = make_family(name="Bernard", children=("Hugo", "Inès"))
    study_activity, study, study_period = make_activity(code="etude", slot="afternoon", label="Étude")
    for child in (hugo, ines):
        enroll(child, world.activity, world.period)
    enroll(world.lea, study_activity, study_period)
    booked = [(world.lea, morning, TUE_24, "reserved"), (world.lea, meal, TUE_24, "reserved"),
              (ines, morning, TUE_24, "reserved"), (ines, meal, TUE_24, "reserved"),
              (hugo, morning, TUE_24, "reserved"), (hugo, meal, TUE_24, "waiting"),
              (world.lea, meal, THU_26, "reserved"), (world.lea, study, TUE_24, "reserved")]
    for child, unit, day, state in booked:
        db.session.add(Reservation(child_id=child.id, unit_id=unit.id, date=day, state=state,
                                   requested_at=NOW - dt.timedelta(days=3)))
    db.session.commit()
    return SimpleNamespace(bernard=bernard, hugo=hugo, ines=ines, morning=morning, meal=meal, study=study)


def add_closure(client, activity, day=TUE_24, reason="Grève"):
    """The confirmed form (the confirmation step itself is tested in test_backoffice_closures.py)."""
    return client.post(f"/gestion/activites/{activity.id}/fermetures",
                       data={"csrf_token": token(client), "closure-date": day.isoformat(), "closure-reason": reason,
                             "confirm": "1"})


def test_a_closure_cancels_the_days_bookings_and_waiting_list_and_tells_each_family_once(app, client, world,
                                                                                         closed_day):
    response = add_closure(client, world.activity)
    assert response.status_code == 302
    status = region(client.get(f"/gestion/activites/{world.activity.id}"), "status")
    assert ("Fermeture du mardi 24 novembre ajoutée : 5 réservations et 1 place en liste d'attente annulées, "
            "2 familles prévenues par e-mail.") in status

    # Nothing of the canteen is left that day (the waiting child was not given a freed place); the other day and
    # the other activity are untouched.
    assert reservations(world.lea) == {(world.meal.id, THU_26): "reserved", (closed_day.study.id, TUE_24): "reserved"}
    assert reservations(closed_day.ines) == {} and reservations(closed_day.hugo) == {}
    changes = [h for child in (world.lea, closed_day.ines, closed_day.hugo) for h in history(child)]
    assert len(changes) == 6
    assert {(h.after, h.via, h.actor_id, h.reason) for h in changes} == {
        (None, "system", world.agent.id, "Fermeture : Grève")}

    mails = outbox(app)
    assert sorted(m["To"] for m in mails) == sorted([world.parent.email, closed_day.bernard.email])
    by_to = {m["To"]: m for m in mails}
    bernard = by_to[closed_day.bernard.email]
    assert bernard["Subject"] == "Fermeture du mardi 24 novembre : réservations annulées"
    body = bernard.get_content()
    assert "L'accueil est fermé le mardi 24 novembre 2026. Motif : Grève." in body
    assert "Hugo :\n- Accueil du matin\n- Repas (place en liste d'attente)\n" in body
    assert "Inès :\n- Accueil du matin\n- Repas\n" in body
    assert "Léa" not in body
    lea_body = by_to[world.parent.email].get_content()
    assert "Léa :\n- Accueil du matin\n- Repas\n" in lea_body and "Étude" not in lea_body

    parent = login(app, world.parent)
    words = text_of(parent.get(f"/enfants/{world.lea.id}/agenda/{NOVEMBER}"))
    assert "Repas du mardi 24 novembre" not in words and "Étude du mardi 24 novembre" in words


def test_a_closure_on_a_day_without_bookings_says_nothing_more_and_mails_nobody(app, client, world, closed_day):
    assert add_closure(client, world.activity, day=WED_25 + dt.timedelta(days=5)).status_code == 302  # Mon 30
    status = region(client.get(f"/gestion/activites/{world.activity.id}"), "status")
    assert ("Fermeture du lundi 30 novembre ajoutée : il n'y avait aucune réservation ni place en liste d'attente "
            "à annuler.") in status
    assert outbox(app) == []


def test_a_closure_stands_when_the_mail_server_is_down(app, client, world, closed_day, monkeypatch):
    import mail

    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(mail, "send", down)
    assert add_closure(client, world.activity).status_code == 302
    assert reservations(closed_day.ines) == {}
    assert len(db.session.execute(select(Closure)).scalars().all()) == 1


def test_a_commune_wide_closure_cancels_every_activity_that_day(app, world, closed_day):
    from blueprints.activities.service import add_closure

    with app.test_request_context():
        _closure, cancelled = add_closure(None, TUE_24, "Pont", NOW, actor_id=world.agent.id,
                                          cancel_reason="Fermeture : Pont")
        db.session.commit()
    assert len(cancelled) == 7
    assert reservations(world.lea) == {(world.meal.id, THU_26): "reserved"}  # the study went too


def test_no_js_refusal_links_to_the_slots_checkbox_or_to_its_text_when_it_has_none(client, world, closed_day):
    """The error summary's link takes the agent to the box to correct (focus lands on it); a slot the page shows
    without a box (closed that day) is linked by its block."""
    db.session.add(Closure(activity_id=world.activity.id, date=MON_23, reason="Grève"))
    db.session.commit()
    response = save(client, world.lea, [(world.meal, FRI_27), (world.meal, MON_23)],
                    [(world.meal, FRI_27), (world.meal, MON_23)])  # a meal without its half-day; a closed day
    assert response.status_code == 302
    result = client.get(agenda_url(world.lea))
    body = result.get_data(as_text=True).replace("&#39;", "'")
    meal_box = f"cb-{world.meal.id}-{FRI_27.isoformat()}"
    assert re.search(rf'<a href="#{meal_box}">Repas du vendredi 27 novembre : le repas se réserve', body)
    assert page(result).attrs_by_id[meal_box]["type"] == "checkbox"
    assert f'<a href="#slot-{world.meal.id}-{MON_23.isoformat()}">Repas du lundi 23 novembre : ' in body


# --------------------------------------------------------------------------- settings that remove booked days

MON_16, FRI_20, MON_30 = (dt.date(2026, 11, d) for d in (16, 20, 30))
DEC_1 = dt.date(2026, 12, 1)
DAYS_REMOVED = "Jour retiré du calendrier de l'activité"


@pytest.fixture
def booked(world, make_family):
    """Léa (Martin) holds the meal on Monday 16 (past), Monday 23, Tuesday 24, Monday 30 and Tuesday 1 December;
    Hugo (Bernard) holds Monday 30 and waits for Tuesday 1 December. Returns the Bernard parent and Hugo."""
    _, bernard, (hugo,) = make_family(name="Bernard", children=("Hugo",))
    enroll(hugo, world.activity, world.period)
    for child, day, state in [(world.lea, MON_16, "reserved"), (world.lea, MON_23, "reserved"),
                              (world.lea, TUE_24, "reserved"), (world.lea, MON_30, "reserved"),
                              (world.lea, DEC_1, "reserved"), (hugo, MON_30, "reserved"), (hugo, DEC_1, "waiting")]:
        db.session.add(Reservation(child_id=child.id, unit_id=world.meal.id, date=day, state=state,
                                   requested_at=NOW - dt.timedelta(days=10)))
    db.session.commit()
    return SimpleNamespace(bernard=bernard, hugo=hugo)


CONFIRM = "confirm_cancellations"


def assert_refused(response, world, message):
    assert response.status_code == 200
    body = response.get_data(as_text=True).replace("&#39;", "'")
    assert re.search(r"<title>Erreur : ", body)
    assert f'<a href="#{CONFIRM}">{message}' in body  # error summary
    doc = page(response)
    box = doc.attrs_by_id[CONFIRM]
    assert box["type"] == "checkbox" and "checked" not in box and box["aria-invalid"] == "true"
    assert f"{CONFIRM}-error" in box["aria-describedby"] and f"{CONFIRM}-hint" in box["aria-describedby"]
    assert f'<label for="{CONFIRM}">Annuler ces réservations et prévenir les familles</label>' in body
    assert doc.attrs_by_id[f"{CONFIRM}-error"]["tag"] == "p" and message in text_of(response)  # next to the box


def test_unticking_a_booked_weekday_needs_a_confirmation_then_cancels_and_tells_each_family(app, client, world,
                                                                                          booked):
    before = reservations()
    response = post_settings(client, world.activity, {"units-0-weekdays": ["1", "3", "4"], "units-0-capacity": "5"})
    assert_refused(response, world,
                   "3 réservations de 2 enfants tombent sur des jours retirés (lundi 23 novembre, lundi 30 novembre). "
                   "Cochez la case pour les annuler et prévenir les familles, ou gardez ces jours.")
    assert "checked" not in page(response).attrs_by_id["units-0-weekdays-0"]  # the agent's change is kept on screen
    unit = fresh(Unit, world.meal.id)
    assert (unit.weekdays, unit.capacity) == ("0134", None)  # nothing saved, the valid change neither
    assert reservations() == before and history(world.lea) == [] and outbox(app) == []

    response = post_settings(client, world.activity, {"units-0-weekdays": ["1", "3", "4"], "units-0-capacity": "5",
                                                      CONFIRM: "y"})
    assert response.status_code == 302, text_of(response)
    unit = fresh(Unit, world.meal.id)
    assert (unit.weekdays, unit.capacity) == ("134", 5)
    assert reservations(world.lea) == {(world.meal.id, MON_16): "reserved", (world.meal.id, TUE_24): "reserved",
                                       (world.meal.id, DEC_1): "reserved"}  # the past Monday stays
    assert reservations(booked.hugo) == {(world.meal.id, DEC_1): "waiting"}
    changes = history(world.lea) + history(booked.hugo)
    assert sorted((h.child_id, h.date) for h in changes) == sorted(
        [(world.lea.id, MON_23), (world.lea.id, MON_30), (booked.hugo.id, MON_30)])
    assert {(h.before, h.after, h.via, h.actor_id, h.reason) for h in changes} == {
        ("reserved", None, "system", world.agent.id, DAYS_REMOVED)}

    mails = outbox(app)
    assert sorted(m["To"] for m in mails) == sorted([world.parent.email, booked.bernard.email])
    by_to = {m["To"]: m for m in mails}
    assert by_to[world.parent.email]["Subject"] == "« Restauration » : réservations annulées sur des jours retirés"
    body = by_to[world.parent.email].get_content()
    assert "Léa :\n- lundi 23 novembre 2026 : Repas\n- lundi 30 novembre 2026 : Repas\n" in body
    assert "Hugo :\n- lundi 30 novembre 2026 : Repas\n" in by_to[booked.bernard.email].get_content()

    status = region(client.get(f"/gestion/activites/{world.activity.id}"), "status")
    assert "Paramètres de « Restauration » enregistrés." in status
    assert "3 réservations ou places en liste d'attente sur des jours retirés ont été annulées" in status


def test_shortening_a_period_needs_a_confirmation_then_cancels_the_days_after_it(app, client, world, booked):
    before = reservations()
    response = post_settings(client, world.activity, {"periods-0-end_date": "2026-11-29"})
    assert_refused(response, world,
                   "4 réservations de 2 enfants tombent sur des jours retirés (lundi 30 novembre, mardi 1er décembre). "
                   "Cochez la case")
    assert fresh(Period, world.period.id).end_date == dt.date(2027, 7, 3)
    assert reservations() == before and outbox(app) == []

    response = post_settings(client, world.activity, {"periods-0-end_date": "2026-11-29", CONFIRM: "y"})
    assert response.status_code == 302, text_of(response)
    assert fresh(Period, world.period.id).end_date == dt.date(2026, 11, 29)
    assert reservations(world.lea) == {(world.meal.id, MON_16): "reserved", (world.meal.id, MON_23): "reserved",
                                       (world.meal.id, TUE_24): "reserved"}
    assert reservations(booked.hugo) == {}
    hugo_changes = history(booked.hugo)
    assert {(h.date, h.before, h.via, h.actor_id, h.reason) for h in hugo_changes} == {
        (MON_30, "reserved", "system", world.agent.id, DAYS_REMOVED),
        (DEC_1, "waiting", "system", world.agent.id, DAYS_REMOVED)}
    bernard = next(m for m in outbox(app) if m["To"] == booked.bernard.email).get_content()
    assert ("Hugo :\n- lundi 30 novembre 2026 : Repas\n- mardi 1er décembre 2026 : Repas (place en liste d'attente)\n"
            in bernard)
    assert len(outbox(app)) == 2


def test_a_change_that_strands_no_future_booking_takes_no_extra_step(app, client, world, booked):
    db.session.add(Reservation(child_id=world.lea.id, unit_id=world.meal.id, date=FRI_20, state="reserved",
                               requested_at=NOW - dt.timedelta(days=10)))
    db.session.commit()
    assert CONFIRM not in page(client.get(f"/gestion/activites/{world.activity.id}")).attrs_by_id
    before = reservations()
    response = post_settings(client, world.activity, {"units-0-weekdays": ["0", "1", "3"]})  # Fridays: only a past one
    assert response.status_code == 302, text_of(response)
    assert fresh(Unit, world.meal.id).weekdays == "013"
    assert reservations() == before and history(world.lea) == [] and outbox(app) == []
    edit = client.get(f"/gestion/activites/{world.activity.id}")
    assert CONFIRM not in page(edit).attrs_by_id and "annulée" not in region(edit, "status")
