"""Absences against the database: signal one (cancel what can still be cancelled, mark the rest "absence
signalée"), justify it with a certificate, and the one computation of its justification deadline.

Reservations change only through reservations/service.py (apply_change, record): same rules, same capacity lock,
same waiting-list promotion and audit trail as the agenda. Functions flush; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from blueprints.reservations import rules, service
from models import Absence, Activity, Document, Reservation, Unit, db

REASON = "Absence signalée"
JUSTIFIED = "Absence justifiée (justificatif envoyé)"
KEPT = ("absent", "justified")  # states of the bookings an absence could not cancel (billed unless justified)


@dataclass
class AbsenceResult:
    """What signalling an absence did to the child's reservations."""

    cancelled: int = 0
    absent: int = 0
    unwaited: int = 0  # waiting-list entries removed
    outcomes: list[service.Outcome] = field(default_factory=list)  # cancellations (for promotion e-mails)


def _order(row: Reservation, unit: Unit):
    # A meal that needs a half-day is cancelled before that half-day (or the half-day would be refused).
    return row.date, not unit.required_unit_ids, unit.id


def apply_absence(agenda: service.ChildAgenda, absence: Absence, now: dt.datetime, actor_id: int) -> AbsenceResult:
    """Apply rules.absence_effect to every reservation of the child in the absence's range (flush, no commit)."""
    result = AbsenceResult()
    rows = service.child_reservations(absence.child_id, absence.start_date, absence.end_date).values()
    units = {r.unit_id: agenda.units.get(r.unit_id) or db.session.get(Unit, r.unit_id) for r in rows}
    for row in sorted(rows, key=lambda r: _order(r, units[r.unit_id])):
        unit, day, state = units[row.unit_id], row.date, row.state
        if state == "waiting":  # no place held: leave the queue, even on the day itself
            service.record(row.child_id, unit.id, day, "waiting", None, now, actor_id, "portal", REASON)
            db.session.delete(row)
            result.unwaited += 1
            continue
        locked = now >= agenda.cancel_deadline(unit, day)
        effect = rules.absence_effect(state, locked)
        if effect == "cancel":
            outcome = service.apply_change(agenda, unit, day, False, now, actor_id=actor_id, via="portal",
                                           reason=REASON)
            if outcome.decision.outcome == "cancelled":
                result.cancelled += 1
                result.outcomes.append(outcome)
                continue
            effect = "absent"  # refused at the last moment (deadline just passed, a meal still held): kept
        if effect == "absent":
            row.state, row.absence_id = "absent", absence.id
            service.record(row.child_id, unit.id, day, state, "absent", now, actor_id, "portal", REASON)
            result.absent += 1
    db.session.flush()
    return result


def signal(agenda: service.ChildAgenda, absence: Absence, now: dt.datetime, actor_id: int) -> AbsenceResult:
    """Record `absence` and apply it to the child's reservations (flush, no commit)."""
    db.session.add(absence)
    db.session.flush()
    return apply_absence(agenda, absence, now, actor_id)


def justify(agenda: service.ChildAgenda, absence: Absence, now: dt.datetime, actor_id: int) -> int:
    """Turn the range's "absence signalée" reservations into "absence justifiée", each within its activity's
    window. Returns how many changed (flush, no commit)."""
    rows = db.session.execute(
        select(Reservation).where(Reservation.child_id == absence.child_id, Reservation.state == "absent",
                                  Reservation.date.between(absence.start_date, absence.end_date))
    ).scalars().all()
    count = 0
    for row in rows:
        if rules.can_justify(absence, agenda.justification_hours(row.unit.activity), now):
            row.state, row.absence_id = "justified", absence.id
            service.record(row.child_id, row.unit_id, row.date, "absent", "justified", now, actor_id, "portal",
                           JUSTIFIED)
            count += 1
    db.session.flush()
    return count


def attach_certificate(agenda: service.ChildAgenda, absence: Absence, document: Document, now: dt.datetime,
                       actor_id: int) -> int:
    """Record the certificate of `absence` and justify its reservations (flush, no commit)."""
    db.session.add(document)
    db.session.flush()
    absence.document_id, absence.justified_at = document.id, now
    return justify(agenda, absence, now, actor_id)


# --------------------------------------------------------------------------- the justification window


def commune_window() -> int:
    """The commune's window (hours), what an activity without its own applies."""
    settings = service.commune()
    return rules.justification_window(None, settings.absence_justification_hours if settings else None)


def window_hours(absences: list[Absence]) -> dict[int, int]:
    """Hours each absence can be justified after its last day: the widest window of the activities whose bookings
    it left to justify (each activity's own window, else the commune's). One query for all of them; an absence
    that left nothing to justify gets the commune's window. The one computation: dashboard, list and form."""
    settings = service.commune()
    commune_hours = settings.absence_justification_hours if settings else None
    hours = {a.id: commune_window() for a in absences}
    if not absences:
        return hours
    rows = db.session.execute(
        select(Absence.id, Activity.absence_justification_hours)
        .join(Reservation, and_(Reservation.child_id == Absence.child_id, Reservation.state.in_(KEPT),
                                Reservation.date.between(Absence.start_date, Absence.end_date)))
        .join(Unit, Unit.id == Reservation.unit_id).join(Activity, Activity.id == Unit.activity_id)
        .where(Absence.id.in_(list(hours))).distinct()
    ).all()
    kept: dict[int, int] = {}
    for absence_id, own in rows:
        window = rules.justification_window(own, commune_hours)
        kept[absence_id] = max(kept.get(absence_id, 0), window)
    hours.update(kept)
    return hours


def deadline(absence: Absence, hours: int) -> dt.datetime:
    """End of the window to send the certificate of `absence` (exclusive)."""
    return rules.justification_deadline(absence.end_date, hours)


def kept_counts(absences: list[Absence]) -> dict[int, int]:
    """How many reservations each absence left to justify (absent or justified), in one query."""
    if not absences:
        return {}
    return dict(db.session.execute(
        select(Reservation.absence_id, func.count()).where(Reservation.absence_id.in_([a.id for a in absences]))
        .group_by(Reservation.absence_id)
    ).all())
