"""Rappels: the rules (table-driven, `now` given), and `flask reminders send`: a week not booked for an enrolled
child, a certificate awaited, a document expiring; each sent once per thing and login (run twice: nothing more),
never to a login that turned it off; the e-mail a sentence and links; the family's preferences page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from support import PASSWORD, csrf_from, enroll, outbox, text_of

from blueprints.reminders import rules
from models import (
    Absence,
    Document,
    DocumentType,
    Invoice,
    Mandate,
    NotificationPreference,
    ReminderPreference,
    Reservation,
    SentReminder,
    db,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
D = dt.date
# Friday 27 November 2026, 9:00 in Paris: Monday 30 November (no booking deadline: its own midnight) is 3 days away.
FRIDAY = dt.datetime(2026, 11, 27, 9, 0, tzinfo=PARIS).astimezone(UTC)
MONDAY_30 = dt.datetime(2026, 11, 30, 0, 0, tzinfo=PARIS).astimezone(UTC)


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("now, deadline, booked, due", [
    (MONDAY_30 - dt.timedelta(days=3), MONDAY_30, False, True),          # the first instant of the notice
    (MONDAY_30 - dt.timedelta(days=3, seconds=1), MONDAY_30, False, False),  # just before it
    (MONDAY_30 - dt.timedelta(seconds=1), MONDAY_30, False, True),       # the last second
    (MONDAY_30, MONDAY_30, False, False),                                # the deadline passed: too late to remind
    (FRIDAY, MONDAY_30, True, False),                                    # booked: nothing to remind
    (FRIDAY, None, False, False),                                        # no open day that week
])
def test_week_due(now, deadline, booked, due):
    assert rules.week_due(now, deadline, booked, 3) is due


def test_week_notice_is_a_parameter():
    assert rules.week_due(FRIDAY, MONDAY_30, False, 1) is False
    assert rules.week_due(FRIDAY, MONDAY_30, False, 5) is True


END = dt.datetime(2026, 11, 25, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("now, awaited, billable, due", [
    (END - dt.timedelta(hours=24), True, True, True),
    (END - dt.timedelta(hours=25), True, True, False),
    (END - dt.timedelta(minutes=1), True, True, True),
    (END, True, True, False),
    (END - dt.timedelta(hours=2), False, True, False),   # received, awaiting the agents: nothing to ask
    (END - dt.timedelta(hours=2), True, False, False),   # nothing billable left
])
def test_certificate_due(now, awaited, billable, due):
    assert rules.certificate_due(now, awaited, billable, END) is due


@pytest.mark.parametrize("state, replaced, due", [
    ("expiring", False, True), ("expiring", True, False), ("valid", False, False), ("expired", False, False),
    ("submitted", False, False), ("refused", False, False),
])
def test_document_due(state, replaced, due):
    assert rules.document_due(state, replaced) is due


@pytest.mark.parametrize("today, left, by_debit, due", [
    (D(2026, 12, 5), 4250, False, True),     # five days before the due date: the first day of the notice
    (D(2026, 12, 4), 4250, False, False),    # six days before: too early
    (D(2026, 12, 10), 4250, False, True),    # the due date itself
    (D(2026, 12, 11), 4250, False, False),   # late: no longer a reminder of the due date
    (D(2026, 12, 8), 0, False, False),       # paid
    (D(2026, 12, 8), 4250, True, False),     # the direct debit collects it
])
def test_invoice_due(today, left, by_debit, due):
    assert rules.invoice_due(today, D(2026, 12, 10), left, by_debit) is due


def test_candidate_mondays_key_and_preferences():
    assert rules.candidate_mondays(D(2026, 11, 27)) == [D(2026, 11, 30), D(2026, 12, 7), D(2026, 12, 14)]
    assert rules.candidate_mondays(D(2026, 11, 30), 1) == [D(2026, 12, 7)]
    assert rules.key("week_unbooked", "12:2026-11-30", 4) == "week_unbooked:12:2026-11-30:u4"
    assert rules.wanted(None, "certificate")
    assert not rules.wanted(ReminderPreference(week_unbooked=True, certificate=False, document_expiring=True),
                            "certificate")
    assert not rules.wanted(ReminderPreference(invoice_due=False), "invoice_due")


# --------------------------------------------------------------------------- sending


@pytest.fixture
def world(app, make_family, make_activity):
    app.config["CLOCK"] = lambda: FRIDAY
    fam, user, (lea,) = make_family("Martin", children=("Léa",))
    activity, unit, period = make_activity(weekdays="0134")
    enroll(lea, activity, period)
    return fam, user, lea, unit


def run(app) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_week_not_booked_is_reminded_once(world, app):
    _fam, user, lea, _unit = world
    assert "1 semaine(s) non réservée(s)" in run(app)
    (message,) = outbox(app)
    assert message["To"] == user.email and "Léa" in message["Subject"]
    content = message.get_content()
    assert "La semaine du lundi 30 novembre n'est pas encore réservée pour Léa." in content
    assert f"/enfants/{lea.id}/agenda/semaine/2026-11-30" in content and "/rappels" in content
    assert "0 semaine(s)" in run(app)  # run again: nothing more
    assert len(outbox(app)) == 1
    assert db.session.query(SentReminder).count() == 1


def test_a_booked_week_is_not_reminded(world, app):
    _fam, _user, lea, unit = world
    db.session.add(Reservation(child_id=lea.id, unit_id=unit.id, date=D(2026, 12, 3)))
    db.session.commit()
    assert "0 semaine(s)" in run(app) and outbox(app) == []


def test_too_early_nothing_is_sent(world, app):
    app.config["CLOCK"] = lambda: FRIDAY - dt.timedelta(days=1)
    assert "0 semaine(s)" in run(app)


def test_opt_out_is_respected(world, app):
    _fam, user, _lea, _unit = world
    db.session.add(ReminderPreference(user_id=user.id, week_unbooked=False))
    db.session.commit()
    run(app)
    assert outbox(app) == [] and db.session.query(SentReminder).count() == 0


def test_each_login_of_the_family_is_reminded_by_its_own_choice(world, app, password_hash):
    from models import User

    fam, user, _lea, _unit = world
    other = User(email="autre.parent@example.org", role="parent", family_id=fam.id, password_hash=password_hash)
    invited = User(email="pas.active@example.org", role="parent", family_id=fam.id, password_hash=None)
    db.session.add_all([other, invited])
    db.session.commit()
    run(app)
    assert sorted(m["To"] for m in outbox(app)) == ["autre.parent@example.org", user.email]


def test_a_mail_server_failure_is_retried_next_time(world, app, monkeypatch):
    import mail

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(mail, "send", refuse)
    assert "0 semaine(s)" in run(app)
    assert db.session.query(SentReminder).count() == 0
    monkeypatch.undo()
    assert "1 semaine(s)" in run(app)


def test_a_certificate_awaited_is_reminded_in_the_last_day(world, app):
    _fam, user, lea, unit = world
    absence = Absence(child_id=lea.id, start_date=D(2026, 11, 26), end_date=D(2026, 11, 26), status="signalled")
    db.session.add(absence)
    db.session.flush()
    db.session.add(Reservation(child_id=lea.id, unit_id=unit.id, date=D(2026, 11, 26), state="absent",
                               absence_id=absence.id))
    db.session.add(ReminderPreference(user_id=user.id, week_unbooked=False))
    db.session.commit()
    # the 48 h window ends with Saturday 28 November (Paris): on Friday at 9:00 more than a day is left
    assert "0 justificatif(s)" in run(app)
    app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 28, 9, 0, tzinfo=PARIS).astimezone(UTC)
    assert "1 justificatif(s)" in run(app)
    content = outbox(app)[0].get_content()
    assert f"/enfants/{lea.id}/absences/{absence.id}/justificatif" in content and "Léa" in content
    assert "0 justificatif(s)" in run(app)


def test_a_document_expiring_is_reminded_once_and_not_after_replacement(world, app):
    fam, user, _lea, _unit = world
    doc_type = DocumentType(code="assurance", label="Assurance scolaire", validity="school_year")
    db.session.add(doc_type)
    db.session.flush()
    document = Document(family_id=fam.id, kind="piece", type_id=doc_type.id, status="validated",
                        valid_from=D(2026, 1, 1), valid_until=D(2026, 12, 10))
    far = Document(family_id=fam.id, kind="piece", type_id=doc_type.id, status="validated",
                   valid_from=D(2026, 1, 1), valid_until=D(2027, 8, 31))
    db.session.add_all([document, far, ReminderPreference(user_id=user.id, week_unbooked=False)])
    db.session.commit()
    assert "1 pièce(s)" in run(app)
    content = outbox(app)[0].get_content()
    assert "Assurance scolaire" in content and "10 décembre 2026" in content
    assert f"remplace={document.id}" in content
    assert "0 pièce(s)" in run(app)


def _invoice(family_id, number, due_date, total=4250, month=D(2026, 10, 1)):
    invoice = Invoice(number=number, family_id=family_id, month=month, issued_at=FRIDAY - dt.timedelta(days=20),
                      due_date=due_date, total_cents=total, family_name="Martin")
    db.session.add(invoice)
    db.session.commit()
    return invoice


def test_an_invoice_due_soon_is_reminded_once_unless_a_direct_debit_collects_it(world, app, make_family):
    fam, user, _lea, _unit = world
    db.session.add(ReminderPreference(user_id=user.id, week_unbooked=False))
    soon = _invoice(fam.id, "F-2026-000101", D(2026, 11, 30))
    _invoice(fam.id, "F-2026-000102", D(2026, 12, 20), month=D(2026, 9, 1))  # later: not yet
    other, other_user, _ = make_family("Bernard", children=("Chloé",))
    db.session.add(ReminderPreference(user_id=other_user.id, week_unbooked=False))
    db.session.add(Mandate(family_id=other.id, rum="RUM-TEST-1", holder="Bernard", iban="FR7630006000011234567890189",
                           bic="AGRIFRPP", signed_on=D(2026, 9, 1), status="active"))
    _invoice(other.id, "F-2026-000103", D(2026, 11, 30))  # collected by direct debit: no reminder
    db.session.commit()
    assert "1 facture(s) à échéance" in run(app)
    (message,) = outbox(app)
    assert message["To"] == user.email and "30 novembre 2026" in message["Subject"]
    content = message.get_content()
    assert "F-2026-000101" in content and "42,50" in content and f"/factures/{soon.id}" in content
    assert "Bernard" not in content
    assert "0 facture(s)" in run(app)


def test_reminders_turned_off_in_mon_espace_are_not_sent(world, app):
    """"Mon espace › Préférences de notification › Rappels" off silences every reminder of that login."""
    _fam, user, _lea, _unit = world
    db.session.add(NotificationPreference(user_id=user.id, kind="reminders", enabled=False))
    db.session.commit()
    assert "0 semaine(s)" in run(app)
    assert outbox(app) == []


def test_an_invoice_reminder_can_be_turned_off(world, app):
    fam, user, _lea, _unit = world
    db.session.add(ReminderPreference(user_id=user.id, week_unbooked=False, invoice_due=False))
    _invoice(fam.id, "F-2026-000104", D(2026, 11, 30))
    run(app)
    assert outbox(app) == []


# --------------------------------------------------------------------------- the preferences page


def test_the_family_turns_a_reminder_off(world, app, client):
    _fam, user, _lea, _unit = world
    page = client.get("/connexion")
    client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    page = client.get("/rappels")
    assert page.text.count("checked") == 4
    response = client.post("/rappels", data={"csrf_token": csrf_from(page.text), "certificate": "y",
                                              "document_expiring": "y", "invoice_due": "y"})
    assert response.status_code == 302
    assert "Vos choix de rappels sont enregistrés." in text_of(client.get("/rappels"))
    preference = db.session.get(ReminderPreference, user.id)
    assert (preference.week_unbooked, preference.certificate, preference.document_expiring) == (False, True, True)
    assert client.post("/rappels", data={}).status_code == 400  # no CSRF token
    run(app)
    assert outbox(app) == []


def test_a_reminder_claimed_by_another_run_is_not_sent_again(world, app):
    """Two runs at once: the second finds the key the first claimed (unique) and sends nothing."""
    _fam, user, lea, _unit = world
    db.session.add(SentReminder(key=rules.key("week_unbooked", f"{lea.id}:2026-11-30", user.id), user_id=user.id,
                                kind="week_unbooked"))
    db.session.commit()
    assert "0 semaine(s)" in run(app) and outbox(app) == []


def test_the_deadline_is_the_activitys_booking_policy(world, app):
    """Booking closes on the Thursday before at 12:00 (weekday_before): reminded from Monday 23 at 12:00."""
    from models import Activity, DeadlinePolicy, Unit

    _fam, _user, _lea, unit = world
    policy = DeadlinePolicy(kind="weekday_before", weekday=3, cutoff=dt.time(12, 0))
    db.session.add(policy)
    db.session.flush()
    db.session.get(Activity, db.session.get(Unit, unit.id).activity_id).booking_policy_id = policy.id
    db.session.commit()
    assert "0 semaine(s)" in run(app)  # Friday 27: the deadline of the week of the 30th (Thursday 26) has passed
    app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 30, 12, 0, tzinfo=PARIS).astimezone(UTC)
    assert "1 semaine(s)" in run(app)  # Monday 30 at 12:00: the week of 7 December closes on Thursday 3 at 12:00
    assert "jusqu'au jeudi 3 décembre à 12 h" in outbox(app)[0].get_content()


def test_a_week_of_school_holidays_is_not_reminded(world, app):
    # Friday 18 December 2026: the next two weeks are the Christmas holidays (zone B), the third too far ahead
    app.config["CLOCK"] = lambda: dt.datetime(2026, 12, 18, 9, 0, tzinfo=PARIS).astimezone(UTC)
    assert "0 semaine(s)" in run(app)
