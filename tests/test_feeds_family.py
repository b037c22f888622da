"""The family's calendar feed (every child in one calendar), its subscription page, and the confirm step that
changing or deleting any calendar link goes through."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import icalendar
import pytest
from planning_world import MON, NOW, THU, TUE, book
from sqlalchemy import event
from support import csrf_from, enroll, links, main_of, region, text, text_of, title_of

from blueprints.feeds import rules
from models import Family, User, db

pytestmark = pytest.mark.usefixtures("planning_clock")
HX = {"HX-Request": "true"}


def family_of(user) -> Family:
    return db.session.get(Family, user.family_id)


def page(client) -> str:
    return client.get("/calendrier").text


def post(client, headers=None, **data):
    data.setdefault("csrf_token", csrf_from(page(client)))
    return client.post("/calendrier", data=data, headers=headers or {})


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def feed_path(family) -> str:
    db.session.refresh(family)
    return f"/calendrier/famille/{family.calendar_token}.ics"


@contextmanager
def count_queries():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


# --------------------------------------------------------------------------- the page


def test_family_page_offers_one_click_creation_then_subscribing_first(client, login_as, martins):
    user, lea, hugo = martins
    login_as(user)
    first = client.get("/calendrier")
    assert first.status_code == 200 and title_of(first).startswith("Abonnement calendrier de la famille —")
    main = main_of(first.text)
    assert "<h1>Abonnement calendrier de la famille</h1>" in main
    assert "S'abonner sur ce téléphone" not in links(main) and 'id="feed-url"' not in main
    assert main.count("<form") == 1 and "Changer le lien" not in main  # nothing to change yet

    created = post(client, action="create")
    assert created.status_code == 302 and created.location.endswith("/calendrier")
    family = family_of(user)
    assert rules.well_formed(family.calendar_token)
    shown = client.get("/calendrier").text
    assert "Lien d'abonnement créé." in region(shown, "status")
    main = text(main_of(shown))
    path = f"/calendrier/famille/{family.calendar_token}.ics"
    assert links(main)["S'abonner sur ce téléphone"] == f"webcal://localhost{path}"
    field = rf'<input type="text" id="feed-url" value="http://localhost{re.escape(path)}" readonly'
    assert re.search(rf'<label for="feed-url">Lien de l\'abonnement de la famille</label>.*{field}', main, re.S)
    # without JavaScript the text says how to copy; app.js adds "Copier le lien" from these words
    assert "sélectionnez le lien et copiez-le" in main
    assert 'data-copy-label="Copier le lien"' in main and 'data-copy-done="Lien copié."' in main
    # subscribing comes before the instructions, which come before changing or deleting the link
    assert main.index("S'abonner sur ce téléphone") < main.index("Sur iPhone ou iPad") < main.index("Changer le lien")
    assert "<summary>Sur Android (Google Agenda)</summary>" in main
    assert "Google Agenda du téléphone ne sait pas ajouter un lien d'abonnement" in main
    assert "« Ajouter un compte », puis « Autre », puis « Ajouter un calendrier avec abonnement »" in main
    assert "« À partir de l'URL »" in main
    assert "plusieurs heures selon le téléphone" in main
    assert "si vous avez partagé le lien par erreur" in main.lower()
    assert "minuit" not in main
    # each child's own feed, with its state in words
    found = links(main)
    assert found["Abonnement calendrier de Léa"] == f"/enfants/{lea.id}/calendrier"
    assert found["Abonnement calendrier de Hugo"] == f"/enfants/{hugo.id}/calendrier"
    assert "Abonnement calendrier de Léa — pas encore de lien" in text_of(main)

    again = post(client, action="create")  # a replay keeps the working link
    assert again.status_code == 302 and family_of(user).calendar_token == family.calendar_token


def test_no_form_inside_a_paragraph_and_one_h1(client, login_as, martins):
    user, _lea, _hugo = martins
    login_as(user)
    for step in (None, "create"):
        if step:
            post(client, action=step)
        main = main_of(page(client))
        assert main.count("<h1") == 1
        for paragraph in re.findall(r"<p\b[^>]*>(.*?)</p>", main, re.S):
            assert "<form" not in paragraph, paragraph


def test_dashboard_and_planning_link_to_the_family_subscription(client, login_as, martins):
    user, _lea, hugo = martins
    login_as(user)
    dashboard = links(main_of(client.get("/mon-accueil").text))
    assert dashboard["Abonnement calendrier de la famille"] == "/calendrier"
    assert dashboard["Abonnement calendrier de Hugo"] == f"/enfants/{hugo.id}/calendrier"  # per child: kept
    assert links(main_of(client.get("/planning").text))["Abonnement calendrier de la famille"] == "/calendrier"


def test_agents_are_refused_and_visitors_sent_to_the_login_page(client, login_as, make_agent, martins):
    response = client.get("/calendrier")
    assert response.status_code == 302 and "/connexion" in response.location
    login_as(make_agent())
    assert client.get("/calendrier").status_code == 403
    token = csrf_from(client.get("/").text)
    assert client.post("/calendrier", data={"action": "create", "csrf_token": token}).status_code == 403


def test_family_link_changes_need_the_csrf_token_and_a_known_action(client, login_as, martins):
    user, _lea, _hugo = martins
    login_as(user)
    assert client.post("/calendrier", data={"action": "create"}).status_code == 400
    assert family_of(user).calendar_token is None
    assert post(client, action="nonsense").status_code == 400


# --------------------------------------------------------------------------- confirm step


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
@pytest.mark.parametrize("action,yes", [("rotate", "Oui, changer le lien"), ("delete", "Oui, supprimer le lien")])
def test_changing_or_deleting_asks_first_and_only_the_confirmed_request_acts(client, login_as, martins,
                                                                             headers, action, yes):
    user, _lea, _hugo = martins
    login_as(user)
    post(client, action="create")
    family = family_of(user)
    token = family.calendar_token

    asked = post(client, headers, action=action)
    assert asked.status_code == 200
    noun = "Changer" if action == "rotate" else "Supprimer"
    assert f"<h1>{noun} le lien de l'abonnement de la famille ?</h1>" in text(asked)
    assert title_of(asked).startswith(f"{noun} le lien de l'abonnement de la famille ?")
    found = links(main_of(asked.text))
    assert found["Annuler"] == "/calendrier"
    assert f'name="confirm" value="oui">{yes}</button>' in asked.text
    fields = hidden_fields(main_of(asked.text))
    assert fields["action"] == action and fields["link"] == rules.fingerprint(token)
    db.session.refresh(family)
    assert family.calendar_token == token  # asking changed nothing

    forged = post(client, headers, action=action, confirm="oui")  # no fingerprint: the confirm page again
    assert forged.status_code == 200 and yes in forged.text
    other = post(client, headers, action=action, confirm="oui", link=rules.fingerprint("x" * 43))
    assert other.status_code == 302
    assert "Le lien avait déjà été changé : rien n'a été fait." in region(page(client), "status")
    db.session.refresh(family)
    assert family.calendar_token == token

    done = client.post("/calendrier", data=dict(fields, confirm="oui"), headers=headers)
    assert done.status_code == 302 and done.location.endswith("/calendrier")
    db.session.refresh(family)
    after = family.calendar_token
    assert (after not in (None, token)) if action == "rotate" else after is None
    shown = page(client)
    expected = "Lien changé : l'ancien ne marche plus." if action == "rotate" else "Lien supprimé"
    assert expected in region(shown, "status")

    replay = client.post("/calendrier", data=dict(fields, confirm="oui"), headers=headers)
    assert replay.status_code == 302
    db.session.refresh(family)
    assert family.calendar_token == after  # a replayed confirmation changes nothing more


def test_a_parent_cannot_reach_another_familys_link(client, login_as, martins, bernards):
    martin, lea, _hugo = martins
    family = family_of(martin)
    family.calendar_token, lea.calendar_token = "f" * 43, "g" * 43
    db.session.commit()
    login_as(bernards[0])
    assert "f" * 43 not in page(client)
    assert client.get(f"/enfants/{lea.id}/calendrier").status_code == 404
    # the Bernards' own file has no link: a confirmed rotation naming the Martins' link changes nothing anywhere
    post(client, action="rotate", confirm="oui", link=rules.fingerprint("f" * 43))
    db.session.refresh(family)
    assert family.calendar_token == "f" * 43 and family_of(bernards[0]).calendar_token is None


def test_a_childs_link_changes_go_through_the_same_confirm_step(client, login_as, martins):
    user, lea, _hugo = martins
    login_as(user)
    lea.calendar_token = "h" * 43
    db.session.commit()
    csrf = csrf_from(page(client))
    asked = client.post(f"/enfants/{lea.id}/calendrier", data={"action": "rotate", "csrf_token": csrf})
    assert asked.status_code == 200 and "<h1>Changer le lien de l'abonnement de Léa ?</h1>" in text(asked)
    assert links(main_of(asked.text))["Annuler"] == f"/enfants/{lea.id}/calendrier"
    db.session.refresh(lea)
    assert lea.calendar_token == "h" * 43


# --------------------------------------------------------------------------- the feed


def test_family_feed_holds_every_child_with_uids_of_its_own(app, client, login_as, martins, bernards):
    user, lea, hugo = martins
    login_as(user)
    post(client, action="create")
    lea.calendar_token = "i" * 43
    db.session.commit()
    phone = app.test_client()
    response = phone.get(feed_path(family_of(user)))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Chloé" not in response.text and "Étude" not in response.text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.text  # an hour, as Apple and Outlook read it
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.text

    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Agenda de la famille Martin"
    assert "Léa et Hugo" in str(calendar["X-WR-CALDESC"])
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    events = calendar.walk("VEVENT")
    assert [(e.decoded("DTSTART"), str(e["SUMMARY"])) for e in events] == [
        (MON, "Léa : Accueil du matin, Repas"),
        (MON, "Hugo : Accueil du soir"),
        (TUE, "Léa : Repas (absence signalée)"),
        (THU, "Léa : Repas (liste d'attente)"),
        (dt.date(2026, 11, 20), "Hugo : Repas, Accueil du soir (absence justifiée)"),
    ]
    for e in events:
        assert e.decoded("DTEND") == e.decoded("DTSTART") + dt.timedelta(days=1) and e.decoded("DTSTAMP") == NOW
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    again = icalendar.Calendar.from_ical(phone.get(feed_path(family_of(user))).data).walk("VEVENT")
    assert [str(e["UID"]) for e in again] == uids  # stable from one refresh to the next
    child_uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(phone.get(f"/calendrier/{'i' * 43}.ics").data)
                  .walk("VEVENT")}
    assert len(child_uids) == 3 and not child_uids & set(uids)
    assert f"/enfants/{hugo.id}/agenda/2026-11" in str(events[1]["URL"])


def test_family_feed_costs_the_same_queries_for_one_or_three_children(client, make_family, units):
    counts = []
    for n, names in enumerate((("Louis",), ("Louis", "Jade", "Arthur"))):
        family, _user, kids = make_family(f"Petit{n}", children=names)
        for kid in kids:
            for activity, unit, period in units.values():
                enroll(kid, activity, period)
                book(kid, unit, MON)
        family.calendar_token = str(n) * 43
        db.session.commit()
        client.get(f"/calendrier/famille/{str(n) * 43}.ics")  # warm-up
        with count_queries() as statements:
            response = client.get(f"/calendrier/famille/{str(n) * 43}.ics")
        assert response.status_code == 200 and response.text.count("BEGIN:VEVENT") == len(names)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_unknown_malformed_revoked_or_crossed_family_tokens_are_404(client, login_as, martins):
    user, lea, _hugo = martins
    family = family_of(user)
    family.calendar_token, lea.calendar_token = "j" * 43, "k" * 43
    db.session.commit()
    for path in ("/calendrier/famille/" + "l" * 43 + ".ics", "/calendrier/famille/short.ics",
                 "/calendrier/famille/%27%20OR%201%3D1.ics", "/calendrier/famille/" + "k" * 43 + ".ics",
                 "/calendrier/" + "j" * 43 + ".ics"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/calendar" not in response.headers["Content-Type"]
    assert client.get("/calendrier/famille/" + "j" * 43 + ".ics").status_code == 200


def test_links_stop_working_while_the_family_has_no_active_login(client, martins):
    user, lea, _hugo = martins
    family = family_of(user)
    family.calendar_token, lea.calendar_token = "m" * 43, "n" * 43
    db.session.commit()
    paths = ("/calendrier/famille/" + "m" * 43 + ".ics", "/calendrier/" + "n" * 43 + ".ics")
    assert [client.get(p).status_code for p in paths] == [200, 200]
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert [client.get(p).status_code for p in paths] == [404, 404]
    db.session.get(User, user.id).active = True
    db.session.commit()
    assert [client.get(p).status_code for p in paths] == [200, 200]
