"""Reminders: find what is due (rules.py decides), send each once per login that wants it, remember it.

`send_due(now)` is what `flask reminders send` runs. Each reminder is claimed first (a SentReminder row with its
unique key, committed), then e-mailed: run twice, or twice at once, it is sent once; if the mail server fails the
claim is removed, so the next run tries again. E-mails hold a sentence and a link, nothing else."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

import mail
from blueprints.absences import service as absences
from blueprints.absences.rules import CERTIFICATE_EXPECTED
from blueprints.documents import rules as document_rules
from blueprints.reminders import rules
from blueprints.reservations import rules as booking_rules
from blueprints.reservations import service as booking
from blueprints.reservations import wording as booking_wording
from models import (
    Absence,
    Activity,
    Closure,
    Document,
    DocumentType,
    Enrollment,
    Invoice,
    Mandate,
    NotificationPreference,
    Period,
    Person,
    ReminderPreference,
    Reservation,
    SentReminder,
    User,
    db,
)


@dataclass
class Due:
    """A reminder to send to a family's logins: its kind, the thing it is about (`subject`, part of the key), the
    mail's subject, template and context."""

    kind: str
    family_id: int
    subject: str
    title: str
    template: str
    context: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- what is due


def weeks_due(now: dt.datetime, notice_days: int = rules.WEEK_NOTICE_DAYS) -> list[Due]:
    """Enrolled children with a week ahead that has open days and no booking, within notice of its deadline."""
    today = now.astimezone(booking_rules.PARIS).date()
    mondays = rules.candidate_mondays(today)
    start, end = mondays[0], mondays[-1] + dt.timedelta(days=6)
    enrolments = db.session.execute(
        select(Enrollment, Person).join(Person, Person.id == Enrollment.child_id)
        .join(Period, Period.id == Enrollment.period_id)
        .where(Period.start_date <= end, Period.end_date >= start)
    ).all()
    if not enrolments:
        return []
    activities = {a.id: a for a in db.session.execute(
        select(Activity).options(selectinload(Activity.units), selectinload(Activity.periods),
                                 selectinload(Activity.booking_policy))).scalars()}
    closures = list(db.session.execute(select(Closure).where(Closure.date.between(start, end))).scalars())
    calendar = booking.calendar_for(booking.commune(), range(start.year - 1, end.year + 2))
    booked = set(db.session.execute(
        select(Reservation.child_id, Reservation.date).where(Reservation.date.between(start, end)).distinct()).all())
    booked_weeks = {(child_id, day - dt.timedelta(days=day.weekday())) for child_id, day in booked}
    deadlines: dict[tuple[int, dt.date], dt.datetime] = {}
    children: dict[int, Person] = {}
    for enrolment, child in enrolments:
        children[child.id] = child
        activity = activities[enrolment.activity_id]
        periods = [p for p in activity.periods if p.id == enrolment.period_id]
        for monday in mondays:
            days = [d for unit in activity.units for d in booking_rules.open_days(
                unit, activity, periods, closures, calendar, monday, monday + dt.timedelta(days=6))]
            if days:
                limit = booking_rules.deadline(activity.booking_policy, min(days), calendar)
                known = deadlines.get((child.id, monday))
                deadlines[(child.id, monday)] = limit if known is None else min(known, limit)
    due = []
    for (child_id, monday), limit in sorted(deadlines.items(), key=lambda item: (item[0][1], item[0][0])):
        if rules.week_due(now, limit, (child_id, monday) in booked_weeks, notice_days):
            child = children[child_id]
            due.append(Due("week_unbooked", child.family_id, f"{child_id}:{monday.isoformat()}",
                           _("Rappel : semaine pas encore réservée pour %(name)s", name=child.first_name),
                           "reminders/mail_week", {
                               "name": child.first_name, "week": booking_wording.format_date(monday),
                               "until": booking_wording.format_until(limit),
                               "link": mail.external_url("reservations.week", child_id=child_id,
                                                         monday=monday.isoformat())}))
    return due


def certificates_due(now: dt.datetime) -> list[Due]:
    """Absences awaiting their certificate in the last hours of their window."""
    held = exists().where(Reservation.child_id == Absence.child_id, Reservation.state == "absent",
                          Reservation.date.between(Absence.start_date, Absence.end_date))
    rows = db.session.execute(
        select(Absence, Person).join(Person, Person.id == Absence.child_id)
        .where(Absence.status.in_(CERTIFICATE_EXPECTED), held)
    ).all()
    hours = absences.window_hours([absence for absence, _child in rows])
    due = []
    for absence, child in rows:
        limit = absences.deadline(absence, hours[absence.id])
        if rules.certificate_due(now, absence.status in CERTIFICATE_EXPECTED, True, limit):
            due.append(Due("certificate", child.family_id, f"{absence.id}:{absence.status}",
                           _("Rappel : justificatif d'absence attendu pour %(name)s", name=child.first_name),
                           "reminders/mail_certificate", {
                               "name": child.first_name, "until": booking_wording.format_until(limit),
                               "link": mail.external_url("absences.justification", child_id=child.id,
                                                         absence_id=absence.id)}))
    return due


def documents_due(now: dt.datetime) -> list[Due]:
    """Validated documents of the family space that expire soon and were not replaced."""
    today = now.astimezone(booking_rules.PARIS).date()
    soon = today + dt.timedelta(days=document_rules.EXPIRING_SOON_DAYS)
    rows = db.session.execute(
        select(Document, DocumentType.label).join(DocumentType, DocumentType.id == Document.type_id)
        .where(Document.kind == "piece", Document.status == "validated", Document.replaced_at.is_(None),
               and_(Document.valid_until >= today, Document.valid_until <= soon))
    ).all()
    due = []
    for document, label in rows:
        state = document_rules.state(document.status, document.valid_until, today)
        if rules.document_due(state, document.replaced_at is not None):
            due.append(Due("document_expiring", document.family_id,
                           f"{document.id}:{document.valid_until.isoformat()}",
                           _("Rappel : une pièce justificative expire bientôt"), "reminders/mail_document", {
                               "label": label, "until": booking_wording.format_long_date(document.valid_until),
                               "link": mail.external_url("documents.upload", remplace=document.id)}))
    return due


def invoices_due(now: dt.datetime) -> list[Due]:
    """Invoices with something left to pay, due within notice, that no direct debit will collect (a family with an
    active mandate, or an invoice already in a debit file)."""
    from blueprints.billing import service as billing
    from blueprints.billing import wording as billing_wording
    from blueprints.payments import debits

    today = now.astimezone(booking_rules.PARIS).date()
    invoices = list(db.session.execute(
        select(Invoice).where(Invoice.status == "unpaid", Invoice.due_date >= today,
                              Invoice.due_date <= today + dt.timedelta(days=rules.INVOICE_NOTICE_DAYS))
        .order_by(Invoice.due_date, Invoice.id)).scalars())
    if not invoices:
        return []
    mandated = set(db.session.execute(select(Mandate.family_id).where(
        Mandate.family_id.in_({i.family_id for i in invoices}), Mandate.status == "active")).scalars())
    scheduled = debits.scheduled_for(i.id for i in invoices)
    settled = billing.invoice_settled_cents(i.id for i in invoices)  # two queries for all, not two per invoice
    due = []
    for invoice in invoices:
        left = max(invoice.total_cents - settled[invoice.id], 0)
        by_debit = invoice.family_id in mandated or invoice.id in scheduled
        if rules.invoice_due(today, invoice.due_date, left, by_debit):
            due.append(Due("invoice_due", invoice.family_id, f"{invoice.id}:{invoice.due_date.isoformat()}",
                           _("Rappel : facture à régler avant le %(date)s",
                             date=booking_wording.format_long_date(invoice.due_date)),
                           "reminders/mail_invoice", {
                               "number": invoice.number, "amount": billing_wording.money(left),
                               "until": booking_wording.format_long_date(invoice.due_date),
                               "link": mail.external_url("billing.my_invoice", invoice_id=invoice.id)}))
    return due


def all_due(now: dt.datetime, notice_days: int = rules.WEEK_NOTICE_DAYS) -> list[Due]:
    return weeks_due(now, notice_days) + certificates_due(now) + documents_due(now) + invoices_due(now)


# --------------------------------------------------------------------------- sending


def _logins(family_ids: set[int]) -> dict[int, list[tuple[User, ReminderPreference | None]]]:
    """Every active, activated login of these families with its preference row (if any), in one query."""
    rows = db.session.execute(
        select(User, ReminderPreference).outerjoin(ReminderPreference, ReminderPreference.user_id == User.id)
        .where(User.family_id.in_(family_ids), User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.id)
    ).all()
    found: dict[int, list] = defaultdict(list)
    for user, preference in rows:
        found[user.family_id].append((user, preference))
    return found


def _claim(reminder_key: str, user_id: int, kind: str, now: dt.datetime) -> bool:
    """Record the reminder before sending it; False when it was already sent (or is being sent)."""
    db.session.add(SentReminder(key=reminder_key, user_id=user_id, kind=kind, sent_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def send_due(now: dt.datetime, notice_days: int = rules.WEEK_NOTICE_DAYS) -> dict[str, int]:
    """Send every reminder due at `now` once per login that wants it; returns how many of each kind left."""
    due = all_due(now, notice_days)
    logins = _logins({d.family_id for d in due}) if due else {}
    # "Rappels" turned off as a whole in "Mon espace" (blueprints/accounts) silences every kind.
    no_reminders = set(db.session.execute(select(NotificationPreference.user_id).where(
        NotificationPreference.kind == "reminders", NotificationPreference.enabled.is_(False))).scalars())
    sent = {kind: 0 for kind in rules.REMINDER_KINDS}
    for reminder in due:
        for user, preference in logins.get(reminder.family_id, []):
            if not rules.wanted(preference, reminder.kind) or user.id in no_reminders:
                continue
            reminder_key = rules.key(reminder.kind, reminder.subject, user.id)
            if not _claim(reminder_key, user.id, reminder.kind, now):
                continue
            try:
                mail.send(user.email, reminder.title, reminder.template,
                          preferences=mail.external_url("reminders.preferences"), **reminder.context)
            except OSError:
                current_app.logger.exception("reminder %s not sent", reminder_key)
                db.session.execute(delete(SentReminder).where(SentReminder.key == reminder_key))
                db.session.commit()
                continue
            sent[reminder.kind] += 1
    return sent


# --------------------------------------------------------------------------- preferences


def preference_of(user_id: int) -> ReminderPreference | None:
    return db.session.get(ReminderPreference, user_id)


def save_preference(user_id: int, choices: dict[str, bool], now: dt.datetime) -> ReminderPreference:
    """Record a login's choices (flush)."""
    preference = preference_of(user_id) or ReminderPreference(user_id=user_id)
    for kind in rules.REMINDER_KINDS:
        setattr(preference, kind, bool(choices.get(kind)))
    preference.updated_at = now
    db.session.add(preference)
    db.session.flush()
    return preference
