"""The reservation service against the database: batch locking, waiting-list promotion rules, same-day deadlines."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import OperationalError
from support import PG_URL, enroll

from blueprints.reservations import service
from models import Activity, DeadlinePolicy, Period, Reservation, ReservationChange, Unit, db

PARIS = ZoneInfo("Europe/Paris")
WED = dt.date(2026, 12, 2)  # a Wednesday outside school holidays


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def alsh(app):
    """Wednesday leisure centre: morning and afternoon (capacity 1 each), meal (capacity 1) needing a half-day;
    booking and cancelling until the day before at 18:00."""
    policy = DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))
    activity = Activity(
        code="alsh-test", name="ALSH", calendar="school_days", booking_policy=policy, cancel_policy=policy
    )
    db.session.add(activity)
    db.session.flush()
    morning = Unit(activity_id=activity.id, slot="morning", label="Matin", weekdays="2", capacity=1, position=0)
    afternoon = Unit(
        activity_id=activity.id, slot="afternoon", label="Après-midi", weekdays="2", capacity=1, position=2
    )
    db.session.add_all([morning, afternoon])
    db.session.flush()
    meal = Unit(
        activity_id=activity.id,
        slot="meal",
        label="Repas",
        weekdays="2",
        capacity=1,
        position=1,
        requires_one_of=f"{morning.id},{afternoon.id}",
    )
    period = Period(
        activity_id=activity.id, name="2026-2027", start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 7, 3)
    )
    db.session.add_all([meal, period])
    db.session.commit()
    return activity, period, morning, meal, afternoon


def book(child, wanted, now, by_agent=False):
    agenda = service.load_agenda(child, WED, WED)
    return service.apply_batch(agenda, {(u.id, WED): w for u, w in wanted}, now, actor_id=None, by_agent=by_agent)


def states(child) -> dict[str, str]:
    rows = db.session.execute(select(Reservation).where(Reservation.child_id == child.id)).scalars().all()
    return {db.session.get(Unit, r.unit_id).label: r.state for r in rows}


@pytest.fixture
def children(alsh, make_family):
    activity, period, *_ = alsh
    kids = [make_family(name, children=(first,))[2][0] for name, first in (("Martin", "Léa"), ("Bernard", "Zoé"))]
    for kid in kids:
        enroll(kid, activity, period)
    return kids


def test_a_batch_locks_all_its_capacity_slots_first_in_order(app, alsh, children):
    """Two batches touching the same slots in opposite orders never wait on each other (no deadlock): every capacity
    unit of the batch is locked in one ordered statement, then (PostgreSQL) each (unit, day) in order, before
    anything is read, and only once."""
    _, _, morning, meal, afternoon = alsh
    statements = []
    listener = lambda conn, cursor, sql, params, context, many: statements.append((sql, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        book(children[0], [(afternoon, True), (meal, True), (morning, True)], at(dt.date(2026, 11, 30), 9))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    def values(params):
        return list(params if isinstance(params, (list, tuple)) else params.values())

    units = [(i, sql, params) for i, (sql, params) in enumerate(statements) if "unit" in sql.lower() and (
        "for share" in sql.lower() or sql.lstrip().upper().startswith("UPDATE UNIT"))]
    slots = [(i, values(params)) for i, (sql, params) in enumerate(statements) if "pg_advisory_xact_lock" in sql]
    [(first, _sql, params)] = units  # one statement for the units, once
    assert not any("reservation" in sql.lower() for sql, _ in statements[:first])
    assert sorted({morning.id, meal.id, afternoon.id}) == sorted({p for p in values(params) if isinstance(p, int)})
    if PG_URL:
        wednesday = dt.date(2026, 12, 2).toordinal()
        assert [keys for _, keys in slots] == [[u, wednesday] for u in sorted((morning.id, meal.id, afternoon.id))]
        assert all(first < i for i, _ in slots)
        assert not any("reservation" in sql.lower() for sql, _ in statements[:slots[-1][0]])
    else:
        assert slots == []


def test_the_capacity_is_read_again_under_the_lock(app, alsh, children):
    """A booking decides with the capacity stored when it holds the lock, not with the one of the catalogue the
    request started with (an agent's save may have changed it meanwhile: the lock waited for that save)."""
    _, _, morning, _, _ = alsh
    lea, zoe = children
    monday = at(dt.date(2026, 11, 30), 9)
    book(zoe, [(morning, True)], monday)
    db.session.commit()
    # The stored capacity changes without the catalogue knowing (a Core UPDATE does not bump its version), as for
    # a request that loaded the catalogue just before an agent's save.
    db.session.execute(update(Unit).where(Unit.id == morning.id).values(capacity=2))
    db.session.commit()
    assert service.load_agenda(lea, WED, WED).units[morning.id].capacity == 1  # the stale view
    [outcome] = book(lea, [(morning, True)], monday)
    assert outcome.decision.after == "reserved" and states(lea) == {"Matin": "reserved"}
    assert outcome.taken == 2


def test_a_closure_locks_every_capacity_slot_first_in_order(app, alsh, children):
    """An agent's cancellations (a closure) take the slots' locks like a family's batch: all at once, in (unit, day)
    order, before anything is deleted (cancelled one by one, meal first, they would be taken in another order)."""
    _, _, morning, meal, afternoon = alsh
    book(children[0], [(morning, True), (meal, True), (afternoon, True)], at(dt.date(2026, 11, 30), 9))
    rows = db.session.execute(select(Reservation).where(Reservation.child_id == children[0].id)).scalars().all()
    statements = []
    listener = lambda conn, cursor, sql, params, context, many: statements.append((sql, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        cancelled = service.cancel_reservations(rows, at(dt.date(2026, 11, 30), 10), "Fermeture", actor_id=None)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(cancelled) == 3
    deletes = [i for i, (sql, _) in enumerate(statements) if sql.lstrip().upper().startswith("DELETE FROM RESERVATION")]
    locks = [(i, list(params if isinstance(params, (list, tuple)) else params.values()))
             for i, (sql, params) in enumerate(statements) if "pg_advisory_xact_lock" in sql]
    units = [i for i, (sql, _) in enumerate(statements) if "unit" in sql.lower() and (
        "for share" in sql.lower() or sql.lstrip().upper().startswith("UPDATE UNIT"))]
    assert units and units[0] < deletes[0]
    if PG_URL:
        wednesday = WED.toordinal()
        assert [keys for _, keys in locks] == [[u, wednesday] for u in sorted((morning.id, meal.id, afternoon.id))]
        assert locks[-1][0] < deletes[0]
    db.session.rollback()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_bookings_of_other_days_of_a_unit_do_not_wait_and_an_agents_save_does(app, alsh):
    """PostgreSQL: while a booking of Wednesday 2 December holds its capacity lock (not committed), a booking of the
    same unit on another day goes ahead, one of the same day waits, and so does an agent saving the unit."""
    _, _, morning, _, _ = alsh
    wednesday, next_wednesday = dt.date(2026, 12, 2), dt.date(2026, 12, 9)
    service._lock_slots([(morning.id, wednesday)])  # this test's transaction: a booking under way

    def elsewhere(work) -> str:
        result = []

        def run():
            with app.app_context():
                try:
                    db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
                    work()
                    result.append("went ahead")
                except OperationalError:
                    result.append("waited")
                finally:
                    db.session.rollback()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=20)
        return result[0]

    assert elsewhere(lambda: service._lock_slots([(morning.id, next_wednesday)])) == "went ahead"
    assert elsewhere(lambda: service._lock_slots([(morning.id, wednesday)])) == "waited"
    assert elsewhere(lambda: db.session.execute(
        update(Unit).where(Unit.id == morning.id).values(capacity=2))) == "waited"
    db.session.rollback()


def test_giving_up_the_half_day_drops_the_meal_waiting_entry(app, alsh, children):
    _, _, morning, meal, afternoon = alsh
    lea, zoe = children
    monday = at(dt.date(2026, 11, 30), 9)
    book(zoe, [(morning, True), (meal, True)], monday)
    book(lea, [(afternoon, True), (meal, True)], monday)
    assert states(lea) == {"Après-midi": "reserved", "Repas": "waiting"}
    book(lea, [(afternoon, False)], monday)
    assert states(lea) == {}
    dropped = db.session.execute(
        select(ReservationChange).where(ReservationChange.child_id == lea.id, ReservationChange.before == "waiting")
    ).scalar_one()
    assert (dropped.after, dropped.via) == (None, "system")
    book(zoe, [(meal, False)], monday)  # the freed meal goes to nobody: Léa no longer has a half-day
    assert states(lea) == {}


def test_a_freed_meal_skips_a_waiting_child_without_half_day(app, alsh, children, make_family):
    activity, period, morning, meal, afternoon = alsh
    lea, zoe = children
    _, _, (noe,) = make_family("N'Diaye", children=("Noé",))
    enroll(noe, activity, period)
    monday = at(dt.date(2026, 11, 30), 9)
    book(zoe, [(morning, True), (meal, True)], monday)
    book(lea, [(afternoon, True), (meal, True)], monday)  # Léa waits first for the meal
    book(noe, [(meal, True)], monday)  # refused: no half-day
    # Léa's afternoon goes to an agent correction that removes it without touching her meal wait
    db.session.execute(
        db.delete(Reservation).where(Reservation.child_id == lea.id, Reservation.unit_id == afternoon.id)
    )
    db.session.commit()
    book(zoe, [(meal, False)], monday)
    assert states(lea) == {"Repas": "waiting"}  # kept waiting, not promoted onto a meal without half-day


def test_no_promotion_once_the_cancellation_deadline_has_passed(app, alsh, children):
    _, _, morning, meal, afternoon = alsh
    lea, zoe = children
    book(zoe, [(morning, True)], at(dt.date(2026, 11, 30), 9))
    book(lea, [(morning, True)], at(dt.date(2026, 11, 30), 10))
    assert states(lea) == {"Matin": "waiting"}
    outcomes = book(zoe, [(morning, False)], at(WED, 10), by_agent=True)  # agent correction on the day itself
    assert outcomes[0].decision.outcome == "cancelled" and outcomes[0].promoted == []
    assert states(lea) == {"Matin": "waiting"}


def test_promotion_while_the_family_can_still_cancel(app, alsh, children):
    _, _, morning, meal, afternoon = alsh
    lea, zoe = children
    book(zoe, [(morning, True)], at(dt.date(2026, 11, 30), 9))
    book(lea, [(morning, True)], at(dt.date(2026, 11, 30), 10))
    outcomes = book(zoe, [(morning, False)], at(dt.date(2026, 11, 30), 11))
    assert [e.child_id for e in outcomes[0].promoted] == [lea.id]
    assert states(lea) == {"Matin": "reserved"}


def test_a_same_day_deadline_lets_families_book_on_the_morning_itself(app, alsh, children):
    activity, _, morning, meal, afternoon = alsh
    activity.booking_policy = DeadlinePolicy(kind="calendar_days", days=0, cutoff=dt.time(9, 0))
    db.session.commit()
    (outcome,) = book(children[0], [(afternoon, True)], at(WED, 8, 30))
    assert outcome.decision.outcome == "reserved"
    (late,) = book(children[1], [(morning, True)], at(WED, 9, 0))
    assert late.decision.refusal.code == "late_booking"
