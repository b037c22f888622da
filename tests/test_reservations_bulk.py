"""Client tests of bulk booking, "Réserver les mêmes créneaux chaque semaine" (blueprints/agenda/bulk.py):
the form, each day through the agenda's rules, the result in words per child, brothers and sisters, validation."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from support import enroll
from test_reservations_views import (
    NOW,
    PARIS,
    TUE_24,
    WED_25,
    at,
    book,
    day_before_at_18,
    dom,
    history,
    leisure_centre,
    region,
    reservations,
    title,
    token,
)

from models import Closure, db

MON_23, MON_30 = dt.date(2026, 11, 23), dt.date(2026, 11, 30)
MONDAY, TUESDAY, WEDNESDAY, FRIDAY = 0, 1, 2, 4


@pytest.fixture
def family(app, make_family, make_activity, login_as):
    """Léa and Hugo Martin (logged-in parent) in the canteen (Mon, Tue, Thu, Fri); Léa also at the Wednesday leisure
    centre. Deadlines: the day before at 18 h. Clock: Sunday 22 November 2026, 19 h."""
    at(app, NOW)
    _, user, (lea, hugo) = make_family(children=("Léa", "Hugo"))
    canteen, meal, period = make_activity(booking_policy=day_before_at_18(), cancel_policy=day_before_at_18())
    enroll(lea, canteen, period)
    enroll(hugo, canteen, period)
    leisure = leisure_centre(make_activity)
    enroll(lea, leisure.activity, leisure.period)
    login_as(user)
    return SimpleNamespace(user=user, lea=lea, hugo=hugo, canteen=canteen, meal=meal, period=period, leisure=leisure)


def url(child, ym="2026-11") -> str:
    return f"/enfants/{child.id}/agenda/{ym}/semaine-type"


def submit(
    client, child, days: dict[str, list[int]], until="mois", action="reserver", others=(), ym="2026-11", csrf=True,
    answer=None,
):
    """The form as a browser without JavaScript sends it (`answer`: the button of the question before giving up
    places others want)."""
    data = {f"jours-{key}": [str(d) for d in weekdays] for key, weekdays in days.items()}
    data.update({"jusqua": until, "action": action, "autres": [str(o) for o in others]})
    if answer is not None:
        data["reponse"] = answer
    if csrf:
        data["csrf_token"] = token(client)
    return client.post(url(child, ym), data=data)


def section(response, child):
    node = dom(response).by_id(f"resultat-{child.id}")
    assert node is not None, f"no result for {child.first_name}"
    return node.parent


def items(node, heading_start: str) -> list[str]:
    """The sentences listed under the h3 that starts with `heading_start`."""
    children = [c for c in node.children if hasattr(c, "tag")]
    for i, child in enumerate(children):
        if child.tag == "h3" and child.text().startswith(heading_start):
            return [li.text() for li in children[i + 1].find_all("li")]
    return []


# --------------------------------------------------------------------------- the form


def test_the_month_page_links_to_the_bulk_form(client, family):
    page = dom(client.get(f"/enfants/{family.lea.id}/agenda/2026-11"))
    links = [a for a in page.find_all("a") if a.text() == "Réserver les mêmes créneaux chaque semaine"]
    assert len(links) == 1 and links[0].attrs["href"].endswith(url(family.lea))


def test_form_has_one_fieldset_per_slot_with_the_weekdays_it_runs(client, family, make_activity):
    holidays, _, holiday_period = make_activity(
        code="alsh-vacances", slot="morning", label="Matin", weekdays="01234", calendar="holidays_only"
    )
    enroll(family.lea, holidays, holiday_period)
    response = client.get(url(family.lea))
    assert response.status_code == 200
    assert title(response).startswith("Réserver les mêmes créneaux chaque semaine pour Léa")
    tree = dom(response)
    form = tree.find_all("form", method="post")[-1]
    assert form.attrs["action"].endswith(url(family.lea))
    groups = {
        f.find_all("legend")[0].text(): [lbl.text() for lbl in f.find_all("label")] for f in form.find_all("fieldset")
    }
    assert groups["Matin"] == ["Mercredi (Matin)"]
    assert groups["Repas"] == [
        "Lundi (Repas)",
        "Mardi (Repas)",
        "Mercredi (Repas)",
        "Jeudi (Repas)",
        "Vendredi (Repas)",
    ]
    assert groups["Après-midi"] == ["Mercredi (Après-midi)"]
    # The holiday leisure centre is apart: a school-week pattern never books it by surprise.
    assert groups["Matin (vacances scolaires)"][0] == "Lundi (Matin (vacances scolaires))"
    assert groups["Jusqu'à quand ?"] == ["Ce mois-ci", "Jusqu'à la fin de la période (samedi 3 juillet 2027)"]
    assert groups["Que faire ?"] == ["Réserver", "Annuler ces créneaux"]
    assert groups["Appliquer aussi à mes autres enfants"] == ["Hugo"]
    assert "checked" in tree.by_id("jusqua-mois").attrs and "checked" in tree.by_id("action-reserver").attrs
    assert tree.by_id("jours-repas-1").attrs["type"] == "checkbox"
    assert tree.by_id("hint-repas").text() == "Pour : Restauration, Accueil de loisirs."
    assert tree.find_all("input", name="csrf_token")


# --------------------------------------------------------------------------- applying a pattern


def test_booking_mondays_and_tuesdays_this_month_goes_through_the_rules(client, family):
    response = submit(client, family.lea, {"repas": [MONDAY, TUESDAY]})
    assert response.status_code == 200  # the result is the answer to the POST: works without JavaScript
    assert title(response).startswith("Résultat : ")
    lea = section(response, family.lea)
    assert items(lea, "Enregistré") == ["Repas du mardi 24 novembre réservé.", "Repas du lundi 30 novembre réservé."]
    assert items(lea, "Refusé") == [
        "Repas du lundi 23 novembre : les réservations sont closes depuis le dimanche 22 novembre à 18 h."
    ]
    assert (
        region(response, "status")
        == "2 créneaux réservés ou mis en liste d'attente. 1 refusé : voir le détail ci-dessous."
    )
    back = [a for a in lea.find_all("a") if a.text() == "Voir l'agenda de Léa — novembre 2026"]
    assert back and back[0].attrs["href"].endswith(f"/enfants/{family.lea.id}/agenda/2026-11")

    assert reservations(family.lea) == {(family.meal.id, TUE_24): "reserved", (family.meal.id, MON_30): "reserved"}
    assert reservations(family.hugo) == {}
    assert sorted((c.date, c.before, c.after, c.via, c.actor_id) for c in history()) == [
        (TUE_24, None, "reserved", "portal", family.user.id),
        (MON_30, None, "reserved", "portal", family.user.id),
    ]


def test_until_the_end_of_the_period_skips_holidays_and_closures(client, family, make_activity, make_family, login_as):
    canteen, _, period = make_activity(
        code="cantine-courte",
        end=dt.date(2027, 1, 15),
        booking_policy=day_before_at_18(),
        cancel_policy=day_before_at_18(),
    )
    _, parent, (zoe,) = make_family(name="Petit", children=("Zoé",))
    enroll(zoe, canteen, period)
    db.session.add(Closure(activity_id=None, date=dt.date(2026, 12, 11), reason="Grève"))
    db.session.commit()
    client.post("/deconnexion", data={"csrf_token": token(client)})
    login_as(parent)
    form = dom(client.get(url(zoe)))
    assert form.by_id("jusqua-periode").parent.text() == "Jusqu'à la fin de la période (vendredi 15 janvier 2027)"
    response = submit(client, zoe, {"repas": [FRIDAY]}, until="periode")
    booked = sorted(day for (_, day) in reservations(zoe))
    # Fridays from 27 November; 11 December closed; Christmas holidays (zone B) from 19 December to 4 January.
    assert booked == [
        dt.date(2026, 11, 27),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 18),
        dt.date(2027, 1, 8),
        dt.date(2027, 1, 15),
    ]
    assert items(section(response, zoe), "Refusé") == []
    assert len(history(zoe)) == 5


def test_the_same_pattern_for_a_brother_uses_his_own_enrollments(client, family):
    response = submit(
        client, family.lea, {"repas": [TUESDAY, WEDNESDAY], "matin": [WEDNESDAY]}, others=[family.hugo.id]
    )
    lea, hugo = section(response, family.lea), section(response, family.hugo)
    assert "Matin du mercredi 25 novembre réservé." in items(lea, "Enregistré")
    assert "Repas du mercredi 25 novembre réservé." in items(lea, "Enregistré")
    # Hugo eats at the canteen on Tuesdays, but is not at the Wednesday leisure centre: his Wednesdays are untouched.
    assert items(hugo, "Enregistré") == ["Repas du mardi 24 novembre réservé."]
    assert reservations(family.hugo) == {(family.meal.id, TUE_24): "reserved"}
    assert len(reservations(family.lea)) == 3
    assert {c.child_id for c in history()} == {family.lea.id, family.hugo.id}

    only_wednesday = submit(client, family.lea, {"matin": [WEDNESDAY]}, others=[family.hugo.id])
    assert (
        "Hugo n'est inscrit(e) à aucun de ces créneaux : rien n'a été modifié."
        in section(only_wednesday, family.hugo).text()
    )


def test_cancelling_the_same_slots_each_week(client, family):
    for day in (MON_23, TUE_24, MON_30):
        book(family.lea, family.meal, day)
    response = submit(client, family.lea, {"repas": [MONDAY, TUESDAY]}, action="annuler")
    lea = section(response, family.lea)
    assert items(lea, "Enregistré") == ["Repas du mardi 24 novembre annulé.", "Repas du lundi 30 novembre annulé."]
    assert items(lea, "Refusé") == [
        "Repas du lundi 23 novembre : les annulations sont closes depuis le dimanche 22 novembre à 18 h. Pour une "
        + "absence, utilisez « Signaler une absence »."
    ]
    assert region(response, "status") == "2 créneaux annulés. 1 refusé : voir le détail ci-dessous."
    assert reservations(family.lea) == {(family.meal.id, MON_23): "reserved"}


def test_a_wednesday_meal_needs_its_half_day_in_bulk_too(client, family):
    alone = submit(client, family.lea, {"repas": [WEDNESDAY]})
    refused = items(section(alone, family.lea), "Refusé")
    assert refused == [
        "Repas du mercredi 25 novembre : le repas se réserve avec la matinée ou l'après-midi du même jour."
    ]
    assert reservations(family.lea) == {}
    together = submit(client, family.lea, {"repas": [WEDNESDAY], "apres-midi": [WEDNESDAY]})
    assert items(section(together, family.lea), "Enregistré") == [
        "Après-midi du mercredi 25 novembre réservé.",
        "Repas du mercredi 25 novembre réservé.",
    ]


def test_a_full_day_puts_the_child_on_the_waiting_list(client, family, make_activity, make_family):
    centre = leisure_centre(make_activity, capacity=1)
    enroll(family.lea, centre.activity, centre.period)
    _, _, (chloe,) = make_family(name="Bernard", children=("Chloé",))
    enroll(chloe, centre.activity, centre.period)
    book(chloe, centre.morning, WED_25)
    group = "matin"  # both leisure centres have a "Matin": one fieldset, both units on Wednesdays
    response = submit(client, family.lea, {group: [WEDNESDAY]})
    done = items(section(response, family.lea), "Enregistré")
    assert "Matin du mercredi 25 novembre : complet. Vous êtes inscrit(e) en fin de liste d'attente (rang 1)." in done
    assert reservations(family.lea)[(centre.morning.id, WED_25)] == "waiting"


def _full_wednesday_with_a_waiting_list(family, make_activity, make_family):
    """Léa holds the only morning place of the 25th; Chloé Bernard waits for it."""
    centre = leisure_centre(make_activity, capacity=1)
    enroll(family.lea, centre.activity, centre.period)
    _, _, (chloe,) = make_family(name="Bernard", children=("Chloé",))
    enroll(chloe, centre.activity, centre.period)
    book(family.lea, centre.morning, WED_25)
    book(chloe, centre.morning, WED_25, state="waiting")
    assert reservations(chloe)[(centre.morning.id, WED_25)] == "waiting"
    return centre, chloe


def test_cancelling_in_bulk_asks_before_giving_a_place_away(client, family, make_activity, make_family):
    centre, chloe = _full_wednesday_with_a_waiting_list(family, make_activity, make_family)
    response = submit(client, family.lea, {"matin": [WEDNESDAY]}, action="annuler")
    assert title(response).startswith("Libérer ces places ?")
    question = dom(response).by_id("question-titre").parent
    assert [li.text() for li in question.find_all("li")] == [
        "Matin du mercredi 25 novembre : place réservée, proposée ensuite à la liste d'attente"]
    assert region(response, "status") == "1 place à libérer : répondez à la question ci-dessous."
    assert "Rien n'est encore modifié pour Léa" in question.text()
    assert reservations(family.lea)[(centre.morning.id, WED_25)] == "reserved"  # nothing saved yet
    assert reservations(chloe)[(centre.morning.id, WED_25)] == "waiting"
    # The answer's form sends the same pattern again; the buttons carry the answer.
    buttons = {b.attrs.get("value"): b.text() for b in question.find_all("button")}
    assert buttons == {"1": "Oui, libérer ces places", "0": "Non, garder ces places"}
    hidden = {(i.attrs["name"], i.attrs["value"]) for i in question.find_all("input")
              if i.attrs.get("type") == "hidden"}
    assert {("jours-matin", str(WEDNESDAY)), ("jusqua", "mois"), ("action", "annuler")} <= hidden


def test_answering_no_keeps_the_place_and_yes_releases_it(client, family, make_activity, make_family):
    centre, chloe = _full_wednesday_with_a_waiting_list(family, make_activity, make_family)
    kept = submit(client, family.lea, {"matin": [WEDNESDAY]}, action="annuler", answer="0")
    assert items(section(kept, family.lea), "Places gardées") == ["Matin du mercredi 25 novembre : place gardée."]
    assert reservations(family.lea)[(centre.morning.id, WED_25)] == "reserved"
    released = submit(client, family.lea, {"matin": [WEDNESDAY]}, action="annuler", answer="1")
    assert "Matin du mercredi 25 novembre annulé." in items(section(released, family.lea), "Enregistré")
    assert (centre.morning.id, WED_25) not in reservations(family.lea)
    assert reservations(chloe)[(centre.morning.id, WED_25)] == "reserved"  # the next on the list has the place


def test_replaying_the_form_changes_nothing_twice(client, family):
    submit(client, family.lea, {"repas": [TUESDAY]})
    again = submit(client, family.lea, {"repas": [TUESDAY]})
    lea = section(again, family.lea)
    assert items(lea, "Enregistré") == []
    assert "1 jour était déjà comme demandé." in lea.text()
    assert len(history()) == 1


# --------------------------------------------------------------------------- validation and access


def test_no_weekday_chosen_is_an_error_next_to_the_fieldsets(client, family):
    response = submit(client, family.lea, {})
    assert response.status_code == 200
    assert title(response).startswith("Erreur : Réserver les mêmes créneaux chaque semaine pour Léa")
    tree = dom(response)
    summary = tree.find_all("div", class_="error-summary")[0]
    link = summary.find_all("a")[0]
    assert link.text() == "Cochez au moins un jour de la semaine."
    assert tree.by_id(link.attrs["href"].lstrip("#")).attrs["type"] == "checkbox"
    assert tree.by_id("jours-error").text() == "Erreur : Cochez au moins un jour de la semaine."
    described = [f for f in tree.find_all("fieldset") if "jours-error" in f.attrs.get("aria-describedby", "")]
    assert [f.find_all("legend")[0].text() for f in described] == ["Matin", "Repas", "Après-midi"]
    assert all(box.attrs.get("aria-invalid") == "true" for f in described for box in f.find_all("input"))
    assert reservations() == {} and history() == []


def test_invalid_choices_are_errors_and_the_form_keeps_the_answers(client, family):
    response = submit(client, family.lea, {"repas": [TUESDAY]}, until="toujours", action="tout-casser")
    tree = dom(response)
    assert [a.text() for a in tree.find_all("div", class_="error-summary")[0].find_all("a")] == [
        "Choisissez jusqu'à quand réserver ces créneaux.",
        "Choisissez de réserver ou d'annuler ces créneaux.",
    ]
    assert "checked" in tree.by_id("jours-repas-1").attrs
    assert tree.by_id("action-reserver").attrs.get("aria-invalid") == "true"
    assert reservations() == {} and history() == []


def test_a_month_already_over_cannot_be_filled(client, family):
    response = submit(client, family.lea, {"repas": [TUESDAY]}, ym="2026-10")
    assert "Ce mois-ci est terminé" in dom(response).find_all("div", class_="error-summary")[0].text()
    assert reservations() == {}


def test_other_familys_children_are_never_touched(client, family, make_family):
    _, _, (stranger,) = make_family(name="Bernard", children=("Chloé",))
    enroll(stranger, family.canteen, family.period)
    response = submit(client, family.lea, {"repas": [TUESDAY]}, others=[stranger.id, family.hugo.id])
    assert response.status_code == 200
    assert dom(response).by_id(f"resultat-{stranger.id}") is None
    assert "Chloé" not in dom(response).text()
    assert reservations(stranger) == {}
    assert reservations(family.hugo) == {(family.meal.id, TUE_24): "reserved"}
    assert client.get(url(stranger)).status_code == 404
    assert submit(client, stranger, {"repas": [TUESDAY]}).status_code == 404
    assert reservations(stranger) == {}


def test_the_bulk_form_needs_its_csrf_token(client, family):
    assert submit(client, family.lea, {"repas": [TUESDAY]}, csrf=False).status_code == 400
    assert reservations() == {}


def test_a_late_sunday_evening_does_not_move_the_first_day(app, client, family):
    """The first day considered is tomorrow in Paris time, whatever the UTC date."""
    at(app, dt.datetime(2026, 11, 23, 0, 30, tzinfo=PARIS))  # Monday 00:30 in Paris, still Sunday in UTC
    response = submit(client, family.lea, {"repas": [MONDAY]})
    assert items(section(response, family.lea), "Enregistré") == ["Repas du lundi 30 novembre réservé."]
    assert items(section(response, family.lea), "Refusé") == []
