"""Absences against the database: plan an absence (what it would do, no write), signal it (cancel what can still
be cancelled, mark the rest "absence signalée", leave the waiting lists), withdraw it, receive its certificate, and
the agent's review (validate: "absence justifiée"; refuse, with a reason). Also the one computation of its window.

Reservations change only through reservations/service.py (apply_change, record): same rules, same capacity lock,
same waiting-list promotion and audit trail as the agenda. Functions flush; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from blueprints.absences import rules as absence_rules
from blueprints.reservations import rules, service
from models import Absence, Activity, Document, Enrollment, Reservation, ReservationChange, Unit, db

REASON = "Absence signalée"
WITHDRAWN = "Absence retirée par la famille"
VALIDATED = "Justificatif validé : absence justifiée"
KEPT = ("absent", "justified")  # states of the bookings an absence could not cancel (billed unless justified)


@dataclass(frozen=True)
class Effect:
    """What an absence does (or did) to one booking: absence_rules.EFFECTS, or "restore" (withdrawal)."""

    unit: Unit
    day: dt.date
    effect: str

    @property
    def order(self) -> tuple:
        return self.day, rules.SLOT_ORDER.get(self.unit.slot, 9), self.unit.position, self.unit.id


@dataclass
class AbsenceResult:
    """What signalling an absence did, booking by booking (by date and slot)."""

    effects: list[Effect] = field(default_factory=list)
    outcomes: list[service.Outcome] = field(default_factory=list)  # cancellations (for promotion e-mails)

    def count(self, effect: str) -> int:
        return sum(1 for e in self.effects if e.effect == effect)


def _order(row: Reservation, unit: Unit):
    # A meal that needs a half-day is cancelled before that half-day (or the half-day would be refused).
    return row.date, not unit.required_unit_ids, unit.id


def _rows(agenda: service.ChildAgenda, start: dt.date, end: dt.date) -> list[tuple[Reservation, Unit]]:
    rows = service.child_reservations(agenda.child.id, start, end).values()
    units = {r.unit_id: agenda.units.get(r.unit_id) or db.session.get(Unit, r.unit_id) for r in rows}
    return sorted(((r, units[r.unit_id]) for r in rows), key=lambda pair: _order(*pair))


def _locked(agenda: service.ChildAgenda, state: str, unit: Unit, day: dt.date, now: dt.datetime) -> bool:
    return now >= rules.change_deadline(state, day, agenda.booking_deadline(unit, day),
                                        agenda.cancel_deadline(unit, day))


def plan(agenda: service.ChildAgenda, start: dt.date, end: dt.date, now: dt.datetime) -> list[Effect]:
    """What signalling an absence from `start` to `end` would do at `now` to each of the child's bookings, by date
    and slot. Reads only (one query): the recap shows it, `signal` applies it again at confirmation time."""
    pairs = _rows(agenda, start, end)
    held: dict[dt.date, set[int]] = defaultdict(set)
    for row, unit in pairs:
        if row.state in rules.TAKEN_STATES:
            held[row.date].add(unit.id)
    effects = []
    for row, unit in pairs:
        locked = row.state != "waiting" and _locked(agenda, row.state, unit, row.date, now)
        day_units = [u for u in agenda.units.values() if u.activity_id == unit.activity_id]
        blocked = bool(rules.dependents_blocking_cancel(unit, day_units, held[row.date] - {unit.id}))
        effect = absence_rules.planned_effect(row.state, locked, blocked)
        if effect == "cancel":
            held[row.date].discard(unit.id)
        effects.append(Effect(unit, row.date, effect))
    return sorted(effects, key=lambda e: e.order)


def signal(agenda: service.ChildAgenda, absence: Absence, now: dt.datetime, actor_id: int) -> AbsenceResult:
    """Record `absence` and apply it, as it stands at `now`, to every booking of the child in its range: cancel,
    mark absent, leave the waiting list (flush, no commit). A cancellation refused at the last moment (deadline
    just passed, a meal still held) keeps the booking as absent: the result says what really happened."""
    absence.created_at = now
    db.session.add(absence)
    db.session.flush()
    result = AbsenceResult()
    for row, unit in _rows(agenda, absence.start_date, absence.end_date):
        day, state = row.date, row.state
        if state == "waiting":  # no place held: leave the queue, even on the day itself
            service.record(row.child_id, unit.id, day, "waiting", None, now, actor_id, "portal", REASON)
            db.session.delete(row)
            result.effects.append(Effect(unit, day, "unwait"))
            continue
        effect = absence_rules.planned_effect(state, _locked(agenda, state, unit, day, now))
        if effect == "cancel":
            outcome = service.apply_change(agenda, unit, day, False, now, actor_id=actor_id, via="portal",
                                           reason=REASON)
            if outcome.decision.outcome == "cancelled":
                result.effects.append(Effect(unit, day, "cancel"))
                result.outcomes.append(outcome)
                continue
            effect = "absent"
        if effect == "absent":
            row.state, row.absence_id = "absent", absence.id
            service.record(row.child_id, unit.id, day, state, "absent", now, actor_id, "portal", REASON)
        result.effects.append(Effect(unit, day, effect))
    result.effects.sort(key=lambda e: e.order)
    db.session.flush()
    return result


def find_by_token(token: str) -> Absence | None:
    """The absence a recap with this one-time number already recorded (a confirmation replayed)."""
    return db.session.execute(select(Absence).where(Absence.request_token == token)).scalar_one_or_none()


# --------------------------------------------------------------------------- what an absence did (audit trail)


def history(absence: Absence) -> list[tuple[str, list[Effect]]]:
    """What the absence did to the child's bookings when it was signalled ("signal") and, if so, when it was
    withdrawn ("withdraw"), read back from the audit trail (rows written at those instants with its reasons)."""
    moments = {"signal": (absence.created_at, REASON)}
    if absence.withdrawn_at is not None:
        moments["withdraw"] = (absence.withdrawn_at, WITHDRAWN)
    rows = db.session.execute(
        select(ReservationChange, Unit).join(Unit, Unit.id == ReservationChange.unit_id)
        .where(ReservationChange.child_id == absence.child_id,
               or_(*(and_(ReservationChange.at == at, ReservationChange.reason == reason)
                     for at, reason in moments.values())))
    ).all()
    found: dict[str, list[Effect]] = {name: [] for name in moments}
    for change, unit in rows:
        if change.reason == WITHDRAWN:
            found["withdraw"].append(Effect(unit, change.date, "restore"))
        elif change.before == "waiting":
            found["signal"].append(Effect(unit, change.date, "unwait"))
        else:
            found["signal"].append(Effect(unit, change.date, "cancel" if change.after is None else "absent"))
    if not found["signal"]:  # recorded without its audit rows (seeded data): what it holds now
        found["signal"] = [Effect(unit, row.date, "absent") for row, unit in db.session.execute(
            select(Reservation, Unit).join(Unit, Unit.id == Reservation.unit_id)
            .where(Reservation.absence_id == absence.id)).all()]
    return [(name, sorted(effects, key=lambda e: e.order)) for name, effects in found.items()]


# --------------------------------------------------------------------------- withdrawal


def to_restore(absence: Absence, withdrawal: absence_rules.Withdrawal) -> list[tuple[Reservation, Unit]]:
    """The absence's bookings a withdrawal gives back ("absent" or "justified" from `restore_from` on)."""
    rows = db.session.execute(
        select(Reservation, Unit).join(Unit, Unit.id == Reservation.unit_id)
        .where(Reservation.absence_id == absence.id, Reservation.state.in_(KEPT),
               Reservation.date >= withdrawal.restore_from)
    ).all()
    return sorted(rows, key=lambda pair: Effect(pair[1], pair[0].date, "restore").order)


def withdraw(absence: Absence, withdrawal: absence_rules.Withdrawal, now: dt.datetime,
             actor_id: int) -> list[Effect]:
    """Withdraw the absence (or its days still ahead): their bookings go back to "reserved", what it cancelled
    stays cancelled (flush, no commit)."""
    effects = []
    for row, unit in to_restore(absence, withdrawal):
        service.record(row.child_id, unit.id, row.date, row.state, "reserved", now, actor_id, "portal", WITHDRAWN)
        row.state, row.absence_id = "reserved", None
        effects.append(Effect(unit, row.date, "restore"))
    absence.withdrawn_at = now
    if withdrawal.whole:
        absence.status = "withdrawn"
    else:
        absence.end_date = withdrawal.new_end
    db.session.flush()
    return effects


# --------------------------------------------------------------------------- certificate and review


def attach_certificate(absence: Absence, document: Document) -> None:
    """Record the certificate of `absence`: it now awaits an agent's validation; its bookings stay "absent"
    (flush, no commit). A certificate sent after a refusal replaces the refused one."""
    db.session.add(document)
    db.session.flush()
    absence.document_id, absence.status = document.id, "submitted"
    db.session.flush()


def validate(absence: Absence, now: dt.datetime, agent_id: int) -> int:
    """An agent accepts the certificate: the absence's "absent" bookings become "justified" (not billed), each
    when the certificate arrived within its activity's window. Returns how many changed (flush, no commit)."""
    received = absence.document.uploaded_at if absence.document else now
    settings = service.commune()
    commune_hours = settings.absence_justification_hours if settings else None
    rows = db.session.execute(
        select(Reservation).where(Reservation.absence_id == absence.id, Reservation.state == "absent")
    ).scalars().all()
    count = 0
    for row in rows:
        hours = rules.justification_window(row.unit.activity.absence_justification_hours, commune_hours)
        if absence_rules.justifies(received, absence.end_date, hours, absence.refused_at):
            row.state = "justified"
            service.record(row.child_id, row.unit_id, row.date, "absent", "justified", now, agent_id, "agent",
                           VALIDATED)
            count += 1
    absence.status, absence.justified_at, absence.reviewed_by_id = "validated", now, agent_id
    db.session.flush()
    return count


def refuse(absence: Absence, reason: str, now: dt.datetime, agent_id: int) -> None:
    """An agent refuses the certificate, with the reason the family will read (flush, no commit)."""
    absence.status, absence.refused_at, absence.reviewed_by_id = "refused", now, agent_id
    absence.refusal_reason = reason.strip()[:300]
    db.session.flush()


def pending_count() -> int:
    """How many certificates await an agent's validation."""
    return db.session.scalar(select(func.count()).select_from(Absence).where(Absence.status == "submitted"))


# --------------------------------------------------------------------------- the justification window


def commune_window() -> int:
    """The commune's window (hours), what an activity without its own applies."""
    settings = service.commune()
    return rules.justification_window(None, settings.absence_justification_hours if settings else None)


def child_window(child_id: int) -> int:
    """The widest window among the child's activities (and the commune's): how far back an absence may start."""
    settings = service.commune()
    commune_hours = settings.absence_justification_hours if settings else None
    own = db.session.execute(
        select(Activity.absence_justification_hours).join(Enrollment, Enrollment.activity_id == Activity.id)
        .where(Enrollment.child_id == child_id).distinct()
    ).scalars().all()
    return max([rules.justification_window(h, commune_hours) for h in own] + [commune_window()])


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
    """End of the window to send the certificate of `absence` (exclusive), re-opened after a refusal."""
    return absence_rules.certificate_deadline(absence.end_date, hours, absence.refused_at)


def kept_counts(absences: list[Absence]) -> dict[int, dict[str, int]]:
    """How many bookings each absence left "absent" and "justified", in one query."""
    counts: dict[int, dict[str, int]] = {a.id: {"absent": 0, "justified": 0} for a in absences}
    if not absences:
        return counts
    rows = db.session.execute(
        select(Reservation.absence_id, Reservation.state, func.count())
        .where(Reservation.absence_id.in_(list(counts)), Reservation.state.in_(KEPT))
        .group_by(Reservation.absence_id, Reservation.state)
    ).all()
    for absence_id, state, n in rows:
        counts[absence_id][state] = n
    return counts
