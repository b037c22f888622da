"""Signalling an absence in two steps (the form, then a recap of what will happen to each booking, confirmed or
modified), what it did (by date and slot), past days within the certificate window, and withdrawing it while
days are still ahead. Certificates and their review: test_absences_certificates.py; the pure rules:
test_absences_rules.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from absences_world import (
    FRI,
    MON,
    NEXT_THU,
    NOW,
    SUN,
    THU,
    TUE,
    UTC,
    WED,
    add_absence,
    book,
    build_world,
    confirm,
    count,
    hidden_fields,
    login,
    recap,
    set_clock,
    signal,
    states,
)
from sqlalchemy import select
from support import csrf_from, enroll, main_of, outbox, text, text_of, title_of

from models import Absence, Reservation, ReservationChange, Unit, db

PARIS_MONDAY_10H = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 November, 10:00 in Paris


@pytest.fixture
def world(app, make_family, make_activity):
    return build_world(app, make_family, make_activity)


@pytest.fixture
def week(world):
    """Léa: Thursday (too late to cancel), Friday and Monday (cancellable), on Tuesday's waiting list behind
    Chloé, the Thursday after; Chloé waits for Friday (Léa's place goes to her)."""
    book(world.lea, world.unit, THU)
    book(world.lea, world.unit, FRI)
    book(world.lea, world.unit, MON)
    book(world.chloe, world.unit, TUE)
    book(world.lea, world.unit, TUE, state="waiting")
    book(world.chloe, world.unit, FRI, state="waiting")
    book(world.lea, world.unit, NEXT_THU)
    return world


def lines(page) -> list[str]:
    """The items of the page's lists of effects ("Repas du jeudi 19 novembre : annulé")."""
    return [text_of(item) for block in re.findall(r'<ul class="effects">(.*?)</ul>', page.text, re.S)
            for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


# --------------------------------------------------------------------------- step 1: the recap


def test_the_recap_says_what_will_happen_to_each_booking_and_writes_nothing(week, client):
    login(client, week.parent)

    response = recap(client, week.lea, WED.isoformat(), "24/11/2026", reason="Varicelle")

    assert response.status_code == 200
    assert title_of(response).startswith("Vérifier l'absence de Léa")
    assert lines(response) == [
        "Repas du jeudi 19 novembre : ne peut plus être annulé, sera marqué absent (facturé sauf justificatif validé)",
        "Repas du vendredi 20 novembre : sera annulé (non facturé)",
        "Repas du lundi 23 novembre : sera annulé (non facturé)",
        "Repas du mardi 24 novembre : sera retiré de la liste d'attente",
    ]
    shown = text_of(main_of(response))
    assert "Rien n'est encore enregistré." in shown
    assert "du mercredi 18 novembre au mardi 24 novembre" in shown and "Varicelle" in shown
    assert ("2 réservations seront annulées. 1 réservation sera marquée absente. 1 demande sera retirée de la liste "
            "d'attente.") in shown
    assert "facturée, sauf si vous envoyez un justificatif" in shown
    carried = hidden_fields(response.text)
    assert (carried["start_date"], carried["end_date"], carried["reason"]) == ("2026-11-18", "2026-11-24", "Varicelle")
    assert re.fullmatch(r"[0-9a-f]{32}", carried["token"])
    assert re.search(r'<button type="submit" class="button button--secondary" formaction="/enfants/\d+/absences/'
                     r'modifier">Modifier', response.text)
    assert count(Absence) == 0 and count(ReservationChange) == 0 and outbox(week.app) == []
    assert states(week.lea) == {THU: "reserved", FRI: "reserved", MON: "reserved", TUE: "waiting",
                                NEXT_THU: "reserved"}


def test_modifier_brings_the_form_back_with_the_values_kept(week, client):
    login(client, week.parent)
    page = recap(client, week.lea, "20/11/2026", "23/11/2026", reason="Rendez-vous l'après-midi")

    response = client.post(f"/enfants/{week.lea.id}/absences/modifier", data=hidden_fields(page.text))

    assert response.status_code == 200 and title_of(response).startswith("Absences de Léa")
    shown = text(response)
    assert 'value="2026-11-20"' in shown and 'value="2026-11-23"' in shown
    assert 'value="Rendez-vous l\'après-midi"' in shown
    assert "error-summary" not in shown and count(Absence) == 0


def test_a_half_day_still_needed_by_a_meal_kept_as_absent_is_kept_too(world, client, make_activity):
    """A meal already marked absent (an earlier absence) still holds its place and needs its half-day: the
    morning cannot be cancelled (the agenda would refuse it too), so the recap and the result both keep it."""
    activity, morning, period = make_activity(code="alsh", slot="morning", label="Matin", weekdays="2")
    meal = Unit(activity_id=activity.id, slot="meal", label="Repas", weekdays="2", requires_one_of=str(morning.id))
    db.session.add(meal)
    db.session.commit()
    enroll(world.lea, activity, period)
    wednesday = dt.date(2026, 11, 25)
    book(world.lea, morning, wednesday)
    book(world.lea, meal, wednesday, state="absent")
    login(client, world.parent)

    page = recap(client, world.lea, wednesday.isoformat(), wednesday.isoformat())
    assert lines(page) == [
        "Matin du mercredi 25 novembre : ne peut plus être annulé, sera marqué absent (facturé sauf justificatif "
        "validé)",
        "Repas du mercredi 25 novembre : déjà en absence signalée, rien ne change"]
    response = confirm(client, world.lea, page)

    held = db.session.execute(select(Reservation.unit_id, Reservation.state).where(
        Reservation.child_id == world.lea.id)).all()
    assert sorted(held) == sorted([(morning.id, "absent"), (meal.id, "absent")])
    assert lines(client.get(response.location)) == [
        "Matin du mercredi 25 novembre : marqué absent (facturé sauf justificatif validé)"]


def test_a_meal_is_cancelled_before_the_half_day_it_needs(world, client, make_activity):
    activity, morning, period = make_activity(code="alsh", slot="morning", label="Matin", weekdays="2")
    meal = Unit(activity_id=activity.id, slot="meal", label="Repas", weekdays="2", requires_one_of=str(morning.id))
    db.session.add(meal)
    db.session.commit()
    enroll(world.lea, activity, period)
    wednesday = dt.date(2026, 11, 25)
    book(world.lea, morning, wednesday)
    book(world.lea, meal, wednesday)
    login(client, world.parent)

    page = recap(client, world.lea, wednesday.isoformat(), wednesday.isoformat())
    assert lines(page) == ["Matin du mercredi 25 novembre : sera annulé (non facturé)",
                           "Repas du mercredi 25 novembre : sera annulé (non facturé)"]
    response = confirm(client, world.lea, page)

    assert response.status_code == 302 and states(world.lea) == {}
    assert lines(client.get(response.location)) == ["Matin du mercredi 25 novembre : annulé",
                                                    "Repas du mercredi 25 novembre : annulé"]


# --------------------------------------------------------------------------- step 2: confirm, and the result


def test_confirming_applies_the_absence_and_the_result_lists_each_booking(week, client):
    login(client, week.parent)

    response = signal(client, week.lea, WED.isoformat(), "24/11/2026", reason="Varicelle")

    absence = db.session.execute(select(Absence)).scalar_one()
    assert response.status_code == 302
    assert response.location.endswith(f"/enfants/{week.lea.id}/absences/{absence.id}")
    assert (absence.start_date, absence.end_date, absence.reason, absence.status) == (WED, TUE, "Varicelle",
                                                                                      "signalled")
    assert absence.created_at == NOW and absence.created_by_id == week.parent.id
    assert states(week.lea) == {THU: "absent", NEXT_THU: "reserved"}
    assert db.session.execute(select(Reservation.absence_id).where(Reservation.date == THU)).scalar() == absence.id
    assert states(week.chloe) == {FRI: "reserved", TUE: "reserved"}
    changes = {(c.child_id, c.date, c.before, c.after, c.via, c.reason, c.actor_id)
               for c in db.session.execute(select(ReservationChange)).scalars()}
    lea, parent = week.lea.id, week.parent.id
    assert changes == {
        (lea, THU, "reserved", "absent", "portal", "Absence signalée", parent),
        (lea, FRI, "reserved", None, "portal", "Absence signalée", parent),
        (lea, MON, "reserved", None, "portal", "Absence signalée", parent),
        (lea, TUE, "waiting", None, "portal", "Absence signalée", parent),
        (week.chloe.id, FRI, "waiting", "reserved", "system", "Place libérée : inscription depuis la liste d'attente",
         None),
    }
    assert [m["To"] for m in outbox(week.app)] == [week.other_parent.email]

    result = client.get(response.location)
    assert title_of(result).startswith("Absence de Léa du mercredi 18 novembre au mardi 24 novembre")
    assert lines(result) == [
        "Repas du jeudi 19 novembre : marqué absent (facturé sauf justificatif validé)",
        "Repas du vendredi 20 novembre : annulé",
        "Repas du lundi 23 novembre : annulé",
        "Repas du mardi 24 novembre : retiré de la liste d'attente",
    ]
    shown = text_of(result)
    assert ("Absence enregistrée du mercredi 18 novembre au mardi 24 novembre. 2 réservations annulées. 1 réservation "
            "marquée absente. 1 demande retirée de la liste d'attente. Envoyez un justificatif jusqu'au jeudi 26 "
            "novembre à 23 h 59 pour qu'elle ne soit pas facturée.") in shown
    assert "À justifier jusqu'au jeudi 26 novembre à 23 h 59" in shown
    assert links_named(result, "Envoyer un justificatif") and links_named(result, "Retirer l'absence")
    listing = text(client.get(f"/enfants/{week.lea.id}/absences"))
    assert f'href="/enfants/{week.lea.id}/absences/{absence.id}"' in listing
    month = client.get(f"/enfants/{week.lea.id}/agenda/2026-11").text
    assert "Absence signalée" in month and f'href="/enfants/{week.lea.id}/absences"' in month


def links_named(page, label: str) -> list[str]:
    return re.findall(rf'<a [^>]*href="([^"]+)"[^>]*>{re.escape(label)}', text(page))


def test_confirmation_recomputes_a_deadline_passed_since_the_recap(week, client):
    login(client, week.parent)
    page = recap(client, week.lea, "20/11/2026", "20/11/2026")
    assert lines(page) == ["Repas du vendredi 20 novembre : sera annulé (non facturé)"]

    set_clock(week, dt.datetime(2026, 11, 19, 17, 0, tzinfo=UTC))  # Thursday 18:00 in Paris: Friday is closed
    response = confirm(client, week.lea, page)

    assert response.status_code == 302 and states(week.lea)[FRI] == "absent"
    result = client.get(response.location)
    assert lines(result) == ["Repas du vendredi 20 novembre : marqué absent (facturé sauf justificatif validé)"]
    assert "1 réservation marquée absente." in text_of(result)
    assert states(week.chloe)[FRI] == "waiting" and outbox(week.app) == []


def test_a_confirmation_sent_twice_records_one_absence(week, client):
    login(client, week.parent)
    page = recap(client, week.lea, "19/11/2026", "23/11/2026")
    first = confirm(client, week.lea, page)
    changes = count(ReservationChange)

    again = confirm(client, week.lea, page)

    assert again.status_code == 302 and again.location == first.location
    assert count(Absence) == 1 and count(ReservationChange) == changes
    assert "Cette absence est déjà enregistrée" in text(client.get(again.location))


def test_nothing_booked_is_said_plainly(world, client):
    login(client, world.parent)
    page = recap(client, world.lea, "2026-12-01", "2026-12-01")
    assert "Aucune réservation n'est prévue sur ces dates." in text_of(page) and lines(page) == []
    response = confirm(client, world.lea, page)
    shown = text_of(client.get(response.location))
    assert "Absence enregistrée le mardi 1er décembre. Aucune réservation n'était prévue sur ces dates." in shown
    assert "Rien à justifier" in shown and "Envoyer un justificatif" not in shown


@pytest.mark.parametrize("partial", [False, True], ids=["plain", "hx-request"])
def test_each_step_answers_the_same_with_or_without_htmx(week, client, partial):
    """The absence pages are plain pages and redirects: a request sent by htmx (or forged with its header) gets
    the same whole page, never a fragment that would lose the page around it."""
    headers = {"HX-Request": "true"} if partial else {}
    login(client, week.parent)

    page = recap(client, week.lea, "19/11/2026", "20/11/2026", headers=headers)
    assert page.status_code == 200 and "<html" in page.text and "Confirmer l'absence" in page.text
    response = confirm(client, week.lea, page, headers=headers)
    assert response.status_code == 302 and "/absences/" in response.location
    assert states(week.lea) == {THU: "absent", MON: "reserved", TUE: "waiting", NEXT_THU: "reserved"}
    absence = db.session.execute(select(Absence)).scalar_one()
    url = f"/enfants/{week.lea.id}/absences/{absence.id}/retirer"
    withdrawn = client.post(url, data={"csrf_token": csrf_from(client.get(url).text)}, headers=headers)
    assert withdrawn.status_code == 302 and states(week.lea)[THU] == "reserved"


# --------------------------------------------------------------------------- the form: bad input, past days


@pytest.mark.parametrize("start, end, reason, field, message", [
    ("", "", "", "start_date", "Saisissez le premier jour de l'absence."),
    ("2026-11-20", "", "", "end_date", "Saisissez le dernier jour de l'absence."),
    ("2026-13-45", "2026-11-20", "", "start_date", "La date de début n'est pas une date valide."),
    ("2026-11-20", "demain", "", "end_date", "La date de fin n'est pas une date valide."),
    ("2026-11-20", "2026-11-19", "", "end_date",
     "La date de fin doit être le même jour que la date de début ou après."),
    ("2026-11-18", "2027-01-19", "", "end_date", "L'absence dure plus de 62 jours."),
    ("2026-11-15", "2026-11-18", "", "start_date", "Le dimanche 15 novembre est trop ancien : le délai pour "
     "justifier une absence ce jour-là est passé. Le premier jour possible est le lundi 16 novembre."),
    ("2026-11-19", "2026-11-20", "x" * 301, "reason", "Le motif doit contenir au plus 300 caractères."),
])
def test_invalid_absence_says_why_next_to_the_field_and_saves_nothing(world, client, start, end, reason, field,
                                                                      message):
    book(world.lea, world.unit, FRI)
    login(client, world.parent)

    response = recap(client, world.lea, start, end, reason)

    assert response.status_code == 200
    page = text(response)
    assert "<title>Erreur : " in page
    assert re.search(rf'<p class="field-error" id="{field}-error">.*?{re.escape(message)}', page)
    assert f'<a href="#{field}">{message}' in page  # same words in the error summary
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"|<input[^>]*id="{field}"[^>]*aria-invalid',
                     page)
    assert "Confirmer l'absence" not in page
    assert count(Absence) == 0 and count(ReservationChange) == 0
    assert states(world.lea) == {FRI: "reserved"}


def test_the_longest_range_is_accepted(world, client):
    login(client, world.parent)
    assert signal(client, world.lea, "2026-11-18", "2027-01-18").status_code == 302
    assert count(Absence) == 1


def test_yesterdays_illness_is_marked_absent_within_the_window(world, client):
    """Monday 10:00, 48-hour window: Saturday is the earliest start (Friday's window closed at Sunday 24:00). With
    a 72-hour window for the canteen, Friday can still be reported: its booking is kept as absent, to justify."""
    set_clock(world, PARIS_MONDAY_10H)
    book(world.lea, world.unit, FRI)
    book(world.lea, world.unit, MON)
    login(client, world.parent)
    form = text_of(client.get(f"/enfants/{world.lea.id}/absences"))
    assert "au plus tôt à partir du samedi 21 novembre" in form
    assert "Le premier jour d'absence. Il peut être déjà passé : au plus tôt le samedi 21 novembre." in form
    refused = recap(client, world.lea, "20/11/2026", "23/11/2026")
    assert "Le vendredi 20 novembre est trop ancien" in text(refused) and "Le premier jour possible est le samedi 21 " \
        "novembre." in text(refused)

    world.activity.absence_justification_hours = 72
    db.session.commit()
    response = signal(client, world.lea, "20/11/2026", "23/11/2026", reason="Gastro")

    assert response.status_code == 302 and states(world.lea) == {FRI: "absent", MON: "absent"}
    result = client.get(response.location)
    assert lines(result) == ["Repas du vendredi 20 novembre : marqué absent (facturé sauf justificatif validé)",
                             "Repas du lundi 23 novembre : marqué absent (facturé sauf justificatif validé)"]
    assert "À justifier jusqu'au jeudi 26 novembre à 23 h 59" in text_of(result)  # 72 hours after Monday


def test_a_forged_confirmation_is_checked_like_the_form(world, client):
    login(client, world.parent)
    token = csrf_from(client.get(f"/enfants/{world.lea.id}/absences").text)
    data = {"csrf_token": token, "token": "a" * 32, "start_date": "2026-11-01", "end_date": "2026-11-02"}

    too_old = client.post(f"/enfants/{world.lea.id}/absences/confirmer", data=data)
    no_number = client.post(f"/enfants/{world.lea.id}/absences/confirmer",
                            data=dict(data, token="", start_date="2026-11-19"))

    assert too_old.status_code == 200 and "Le dimanche 1er novembre est trop ancien" in text(too_old)
    assert no_number.status_code == 200 and "Cette demande n'est plus valable." in text(no_number)
    assert 'href="#token"' not in no_number.text and title_of(no_number).startswith("Erreur : ")
    assert count(Absence) == 0


def test_form_has_labels_hints_and_a_date_range_fieldset(world, client):
    login(client, world.parent)
    page = text(client.get(f"/enfants/{world.lea.id}/absences"))
    assert "<legend>Dates de l'absence</legend>" in page
    assert re.search(r'<input[^>]*type="date"', page)
    assert '<label for="start_date">Du' in page and '<label for="end_date">Au' in page
    assert 'aria-describedby="start_date-hint"' in page
    assert "contactez le service Enfance" in page and "vous verrez la liste des réservations concernées" in page


def test_posts_without_csrf_are_refused(world, client):
    absence = add_absence(world)
    login(client, world.parent)
    base = f"/enfants/{world.lea.id}/absences"
    dates = {"start_date": "2026-11-19", "end_date": "2026-11-20", "token": "a" * 32}
    for url in (base, f"{base}/modifier", f"{base}/confirmer", f"{base}/{absence.id}/retirer"):
        assert client.post(url, data=dates).status_code == 400, url
    assert count(Absence) == 1 and states(world.lea) == {THU: "absent", FRI: "absent"}


def test_other_familys_child_and_absence_are_404_everywhere(world, client):
    mine = add_absence(world)
    theirs = Absence(child_id=world.chloe.id, start_date=THU, end_date=THU, created_at=NOW, request_token="c" * 32)
    db.session.add(theirs)
    db.session.commit()
    login(client, world.parent)
    token = csrf_from(client.get(f"/enfants/{world.lea.id}/absences").text)
    chloe, lea = world.chloe.id, world.lea.id
    data = {"csrf_token": token, "start_date": "2026-11-19", "end_date": "2026-11-19", "token": "b" * 32}

    assert client.get(f"/enfants/{chloe}/absences").status_code == 404
    for step in ("", "/modifier", "/confirmer"):
        assert client.post(f"/enfants/{chloe}/absences{step}", data=data).status_code == 404
    their_number = dict(data, token="c" * 32)  # the recap number of another family's absence
    assert client.post(f"/enfants/{lea}/absences/confirmer", data=their_number).status_code == 404
    for child_id, absence_id in ((chloe, theirs.id), (lea, theirs.id), (chloe, mine.id), (lea, 999999)):
        for page in ("", "/retirer", "/justificatif"):
            url = f"/enfants/{child_id}/absences/{absence_id}{page}"
            assert client.get(url).status_code == 404, url
            if page:
                assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert count(Absence) == 2 and states(world.lea) == {THU: "absent", FRI: "absent"}


def test_an_absence_recorded_without_its_audit_rows_shows_the_bookings_it_holds(world, client):
    absence = add_absence(world)  # as the demo seeds it: bookings marked absent, no audit row
    login(client, world.parent)
    page = client.get(f"/enfants/{world.lea.id}/absences/{absence.id}")
    assert lines(page) == ["Repas du jeudi 19 novembre : marqué absent (facturé sauf justificatif validé)",
                           "Repas du vendredi 20 novembre : marqué absent (facturé sauf justificatif validé)"]


# --------------------------------------------------------------------------- withdrawal


def test_withdrawing_before_the_first_day_gives_back_the_absent_bookings_only(world, client):
    book(world.lea, world.unit, THU)  # too late to cancel: absent
    book(world.lea, world.unit, FRI)  # cancelled
    login(client, world.parent)
    signal(client, world.lea, "19/11/2026", "20/11/2026")
    absence = db.session.execute(select(Absence)).scalar_one()
    url = f"/enfants/{world.lea.id}/absences/{absence.id}/retirer"

    page = client.get(url)
    assert title_of(page).startswith("Retirer l'absence de Léa") and lines(page) == [
        "Repas du jeudi 19 novembre : de nouveau réservé"]
    assert "Les réservations que l'absence a annulées ne reviennent pas" in text(page)
    response = client.post(url, data={"csrf_token": csrf_from(page.text)})

    assert response.status_code == 302 and response.location.endswith(f"/absences/{absence.id}")
    assert states(world.lea) == {THU: "reserved"}
    db.session.refresh(absence)
    assert absence.status == "withdrawn" and absence.withdrawn_at == NOW and absence.end_date == FRI
    last = db.session.execute(select(ReservationChange).order_by(ReservationChange.id.desc())).scalars().first()
    assert (last.date, last.before, last.after, last.via, last.actor_id) == (THU, "absent", "reserved", "portal",
                                                                             world.parent.id)
    result = client.get(response.location)
    shown = text_of(result)
    assert "Absence du jeudi 19 novembre au vendredi 20 novembre retirée. 1 réservation est de nouveau réservée." \
        in shown
    assert "Absence retirée le mercredi 18 novembre à 19 h" in shown
    assert lines(result) == ["Repas du jeudi 19 novembre : marqué absent (facturé sauf justificatif validé)",
                             "Repas du vendredi 20 novembre : annulé",
                             "Repas du jeudi 19 novembre : de nouveau réservé"]
    assert not links_named(result, "Retirer l'absence") and not links_named(result, "Envoyer un justificatif")

    changes = count(ReservationChange)
    again = client.post(url, data={"csrf_token": csrf_from(page.text)})  # a replay changes nothing
    assert again.status_code == 302 and count(ReservationChange) == changes
    assert "Cette absence a déjà été retirée" in text(client.get(again.location))


def test_withdrawing_an_absence_already_started_keeps_its_past_days(world, client):
    """Friday 10:00: Thursday and Friday have started (stay absent); Monday goes back to reserved and the absence
    now ends on Friday."""
    absence = add_absence(world, start=THU, end=MON, days=(THU, FRI, MON))
    set_clock(world, dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    login(client, world.parent)
    url = f"/enfants/{world.lea.id}/absences/{absence.id}/retirer"

    page = client.get(url)
    assert "Vous pouvez retirer les jours à partir du samedi 21 novembre : l'absence se terminera le vendredi 20 " \
        "novembre (aujourd'hui)." in text_of(page)
    assert lines(page) == ["Repas du lundi 23 novembre : de nouveau réservé"]
    response = client.post(url, data={"csrf_token": csrf_from(page.text)})

    assert response.status_code == 302 and states(world.lea) == {THU: "absent", FRI: "absent", MON: "reserved"}
    db.session.refresh(absence)
    assert (absence.status, absence.end_date) == ("signalled", FRI)
    assert "Absence retirée à partir du samedi 21 novembre : elle se termine maintenant le vendredi 20 novembre." \
        in text_of(client.get(response.location))
    again = client.post(url, data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 302 and states(world.lea)[MON] == "reserved"
    assert "Les jours à venir de cette absence ont déjà été retirés" in text(client.get(again.location))


def test_no_withdrawal_once_every_day_has_started(world, client):
    absence = add_absence(world)  # Thursday to Sunday
    set_clock(world, dt.datetime(2026, 11, 22, 9, 0, tzinfo=UTC))  # Sunday
    login(client, world.parent)
    url = f"/enfants/{world.lea.id}/absences/{absence.id}/retirer"

    page = client.get(url)
    assert "ne peut plus être retirée" in text(page) and "<button" not in main_of(page)
    response = client.post(url, data={"csrf_token": csrf_from(page.text)})

    assert response.status_code == 200 and title_of(response).startswith("Erreur : Retirer l'absence de Léa")
    assert states(world.lea) == {THU: "absent", FRI: "absent"}
    assert "Retirer l'absence" not in text(client.get(f"/enfants/{world.lea.id}/absences"))
    assert SUN == absence.end_date
