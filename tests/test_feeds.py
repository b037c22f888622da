"""Each child's private iCalendar feed: the subscription page, the secret link, the feed itself."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import icalendar
import pytest
from planning_world import MON, NOW, THU, TUE, book
from support import csrf_from, enroll, links, main_of

from blueprints.feeds import rules
from models import Person, db

pytestmark = pytest.mark.usefixtures("planning_clock")


def feed_page(client, child) -> str:
    return client.get(f"/enfants/{child.id}/calendrier").text


def post_action(client, child, action):
    page = feed_page(client, child)
    return client.post(f"/enfants/{child.id}/calendrier", data={"action": action, "csrf_token": csrf_from(page)})


def confirm(client, child, action):
    """Ask (the confirm page), then press its "Oui, ..." button, as a parent does."""
    asked = post_action(client, child, action)
    assert asked.status_code == 200
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', asked.text))
    fields["confirm"] = "oui"
    return client.post(f"/enfants/{child.id}/calendrier", data=fields)


def feed_path(child) -> str:
    db.session.refresh(child)
    return f"/calendrier/{child.calendar_token}.ics"


def test_parent_creates_rotates_and_deletes_the_private_link(client, login_as, martins):
    user, lea, _hugo = martins
    login_as(user)
    page = main_of(feed_page(client, lea))
    assert "<h1>Abonnement calendrier de Léa</h1>" in page
    assert "Créer le lien d'abonnement" in htmllib.unescape(page) and 'id="feed-url"' not in page

    created = post_action(client, lea, "create")
    assert created.status_code == 302 and created.location.endswith(f"/enfants/{lea.id}/calendrier")
    first = feed_path(lea)
    assert len(lea.calendar_token) >= 43
    page = htmllib.unescape(feed_page(client, lea))
    assert re.search(r'<label for="feed-url">Lien de l\'abonnement de Léa</label>', page)
    assert re.search(rf'<input type="text" id="feed-url" value="http://localhost{re.escape(first)}" readonly', page)
    assert links(page)["S'abonner sur ce téléphone"] == f"webcal://localhost{first}"
    assert "Changer le lien" in page and "Supprimer le lien" in page
    assert client.get(first).status_code == 200

    post_action(client, lea, "create")  # a replayed "create" keeps the working link
    assert feed_path(lea) == first

    confirm(client, lea, "rotate")
    second = feed_path(lea)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    confirm(client, lea, "delete")
    db.session.refresh(lea)
    assert lea.calendar_token is None
    assert client.get(second).status_code == 404
    assert "Créer le lien d'abonnement" in htmllib.unescape(feed_page(client, lea))


def test_link_changes_need_the_csrf_token(client, login_as, martins):
    user, lea, _hugo = martins
    login_as(user)
    response = client.post(f"/enfants/{lea.id}/calendrier", data={"action": "create"})
    assert response.status_code == 400
    db.session.refresh(lea)
    assert lea.calendar_token is None
    assert post_action(client, lea, "nonsense").status_code == 400


def test_another_family_cannot_see_or_change_the_link(client, login_as, martins, bernards):
    _user, lea, _hugo = martins
    lea.calendar_token = "a" * 43
    db.session.commit()
    login_as(bernards[0])
    assert client.get(f"/enfants/{lea.id}/calendrier").status_code == 404
    page = feed_page(client, bernards[1])
    response = client.post(f"/enfants/{lea.id}/calendrier", data={"action": "rotate", "csrf_token": csrf_from(page)})
    assert response.status_code == 404
    db.session.refresh(lea)
    assert lea.calendar_token == "a" * 43


def test_feed_holds_one_all_day_event_per_booked_day_for_this_child_only(app, client, login_as, martins, bernards):
    user, lea, hugo = martins
    login_as(user)
    post_action(client, lea, "create")
    post_action(client, hugo, "create")
    phone = app.test_client()  # a calendar application: no session
    response = phone.get(feed_path(lea))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    text = response.get_data(as_text=True)
    assert "Hugo" not in text and "Chloé" not in text and "Étude" not in text and "Martin" not in text

    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Agenda de Léa"
    events = {e.decoded("DTSTART"): e for e in calendar.walk("VEVENT")}
    assert {day: str(e["SUMMARY"]) for day, e in events.items()} == {
        MON: "Léa : Accueil du matin, Repas",
        TUE: "Léa : Repas (absence signalée)",
        THU: "Léa : Repas (liste d'attente)",
    }
    for day, e in events.items():
        assert type(day) is dt.date and e.decoded("DTEND") == day + dt.timedelta(days=1)
        assert e.decoded("DTSTAMP") == NOW
    again = icalendar.Calendar.from_ical(phone.get(feed_path(lea)).data)
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(str(e["UID"]) for e in events.values())
    assert len({str(e["UID"]) for e in events.values()}) == 3

    hugo_events = icalendar.Calendar.from_ical(phone.get(feed_path(hugo)).data).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in hugo_events) == [
        "Hugo : Accueil du soir",
        "Hugo : Repas, Accueil du soir (absence justifiée)",
    ]
    assert not {str(e["UID"]) for e in hugo_events} & {str(e["UID"]) for e in events.values()}


def test_feed_covers_a_month_back_to_the_end_of_the_enrolments(client, make_family, make_activity):
    _family, _user, (lea,) = make_family("Martin", children=("Léa",))
    activity, meal, period = make_activity(code="restauration", start=dt.date(2026, 9, 1), end=dt.date(2027, 7, 3))
    enroll(lea, activity, period)
    for day in (dt.date(2026, 10, 12), dt.date(2026, 10, 19), dt.date(2027, 7, 2), dt.date(2027, 7, 5)):
        book(lea, meal, day)
    lea.calendar_token = "b" * 43
    db.session.commit()
    calendar = icalendar.Calendar.from_ical(client.get(f"/calendrier/{'b' * 43}.ics").data)
    assert sorted(e.decoded("DTSTART") for e in calendar.walk("VEVENT")) == [dt.date(2026, 10, 19), dt.date(2027, 7, 2)]


def test_unknown_malformed_or_non_child_tokens_are_404(client, make_family):
    _family, user, (lea,) = make_family("Martin", children=("Léa",))
    guardian = db.session.get(Person, user.person_id)
    guardian.calendar_token = "c" * 43  # only a child's secret opens a feed
    db.session.commit()
    for token in ("d" * 43, "c" * 43, "short", "x" * 64, "%27%20OR%201%3D1"):
        response = client.get(f"/calendrier/{token}.ics")
        assert response.status_code == 404, token
        assert "text/calendar" not in response.headers["Content-Type"]


# --------------------------------------------------------------------------- closed days


def test_subscription_page_never_puts_a_form_inside_a_paragraph(client, login_as, martins):
    """A <form> cannot be inside a <p> (the parser closes the paragraph: invalid, and the buttons' layout breaks)."""
    user, lea, _hugo = martins
    login_as(user)
    for action in (None, "create"):
        if action:
            post_action(client, lea, action)
        page = main_of(feed_page(client, lea))
        assert page.count("<form") == (1 if action is None else 2)
        for paragraph in re.findall(r"<p\b[^>]*>(.*?)</p>", page, re.S):
            assert "<form" not in paragraph, paragraph


# --------------------------------------------------------------------------- rules


FP = rules.fingerprint("t" * 43)


@pytest.mark.parametrize(
    "action,current,confirmed,sent,expected",
    [
        ("create", None, "", "", rules.CREATE),
        ("create", "t" * 43, "", "", rules.EXISTS),
        ("create", "t" * 43, "oui", FP, rules.EXISTS),
        ("rotate", None, "oui", FP, rules.NO_LINK),
        ("delete", None, "", "", rules.NO_LINK),
        ("rotate", "t" * 43, "", "", rules.ASK),
        ("rotate", "t" * 43, "", FP, rules.ASK),  # the fingerprint alone is not a confirmation
        ("rotate", "t" * 43, "oui", "", rules.ASK),  # nor the confirmation alone
        ("rotate", "t" * 43, "yes", FP, rules.ASK),
        ("delete", "t" * 43, "oui", rules.fingerprint("u" * 43), rules.STALE),
        ("rotate", "t" * 43, "oui", FP, rules.ROTATE),
        ("delete", "t" * 43, "oui", FP, rules.DELETE),
        ("nonsense", "t" * 43, "oui", FP, None),
        ("", None, "", "", None),
    ],
)
def test_decide(action, current, confirmed, sent, expected):
    assert rules.decide(action, current, confirmed, sent) == expected


def test_fingerprint_is_short_stable_and_not_the_secret():
    assert rules.fingerprint(None) == "" and rules.fingerprint("") == ""
    assert rules.fingerprint("t" * 43) == FP and len(FP) == 16 and "t" * 8 not in FP
    assert rules.fingerprint("u" * 43) != FP


@pytest.mark.parametrize(
    "last_end,expected",
    [
        (None, (dt.date(2026, 10, 23), dt.date(2026, 11, 23))),
        (dt.date(2026, 1, 1), (dt.date(2026, 10, 23), dt.date(2026, 11, 23))),  # at least today
        (dt.date(2027, 7, 3), (dt.date(2026, 10, 23), dt.date(2027, 7, 3))),
        (dt.date(2030, 1, 1), (dt.date(2026, 10, 23), dt.date(2027, 11, 27))),  # at most 400 days
    ],
)
def test_feed_range(last_end, expected):
    assert rules.feed_range(dt.date(2026, 11, 23), last_end) == expected


def test_well_formed():
    assert rules.well_formed("aZ09_-" + "x" * 37)
    assert not any(rules.well_formed(t) for t in ("x" * 42, "x" * 44, "x" * 42 + "=", "x" * 42 + "é", ""))
