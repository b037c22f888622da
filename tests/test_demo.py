"""The demo commune (`flask demo seed`): logins that work, realistic families, a year of reservations that respects
the calendar and capacities, and every state to try near the day it is seeded (open and locked days, a closure
ahead, two full Wednesdays with a waiting list, an absence awaiting its certificate), whatever that day is, and
idempotence. The whole module runs once per seeding day of DAYS (one database each, seeded once)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select, text

import demo
from app import create_app
from blueprints.auth.passwords import verify_password
from blueprints.reservations import rules
from demo import AGENT_PASSWORD, PARENT_PASSWORD, seed_demo
from models import (
    Absence,
    Activity,
    Closure,
    CommuneSettings,
    Enrollment,
    Family,
    Period,
    Person,
    Reservation,
    Unit,
    User,
    db,
)

CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "x",
    "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
}
PARIS = ZoneInfo("Europe/Paris")
# Seeding day -> first year of the demo's school year. July still belongs to the ending year (nothing is left
# ahead then: the states fall on its last days); from August on, the demo is the coming year.
DAYS = {
    "november-monday": (dt.date(2026, 11, 23), 2026),
    "february-holidays": (dt.date(2027, 2, 24), 2026),
    "july-year-over": (dt.date(2027, 7, 10), 2026),
    "august-next-year": (dt.date(2027, 8, 20), 2027),
    "beyond-holiday-data": (dt.date(2029, 3, 12), 2028),
}


@dataclass
class Seeded:
    app: Flask
    today: dt.date
    now: dt.datetime
    first_year: int

    @property
    def year(self) -> demo.SchoolYear:
        return demo.school_year(self.today)

    @property
    def running(self) -> bool:
        """`today` is inside the school year (not before it starts, not after it ends)."""
        return self.year.start <= self.today <= self.year.end


@pytest.fixture(scope="module", params=list(DAYS.values()), ids=list(DAYS))
def seeded(request, database_url, tmp_path_factory):
    """One database seeded on `today` 10:00 Paris for each day of DAYS (the tests only read it, or re-seed, which
    changes nothing). `database_url` comes from conftest: in-memory SQLite, or PostgreSQL when TEST_DATABASE_URL
    is set (emptied after each day)."""
    today, first_year = request.param
    now = dt.datetime.combine(today, dt.time(10), PARIS).astimezone(dt.timezone.utc)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        assert seed_demo(now=now, today=today) is True
        yield Seeded(app, today, now, first_year)
        db.session.remove()
        if not database_url.startswith("sqlite"):  # leave the shared PostgreSQL database empty for the next tests
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def family(name: str) -> Family:
    return db.session.execute(select(Family).where(Family.name == name)).scalar_one()


def reservations_of(activity_code: str):
    return db.session.execute(
        select(Reservation, Unit, Activity).join(Unit, Reservation.unit_id == Unit.id).join(Activity)
        .where(Activity.code == activity_code)
    ).all()


@pytest.mark.parametrize(
    ("email", "password", "role"),
    [
        ("famille.martin@example.org", PARENT_PASSWORD, "parent"),
        ("famille.bernard@example.org", PARENT_PASSWORD, "parent"),
        ("agent@example.org", AGENT_PASSWORD, "agent"),
        ("admin@example.org", AGENT_PASSWORD, "admin"),
    ],
)
def test_demo_logins_accept_their_password(seeded, email, password, role):
    account = user(email)
    assert account.role == role
    assert verify_password(account.password_hash, password)
    assert not verify_password(account.password_hash, password + "x")


def test_parent_logins_are_linked_to_a_guardian_of_their_family(seeded):
    for email, name, display in [("famille.martin@example.org", "Martin", "Sophie Martin"),
                                 ("famille.bernard@example.org", "Bernard", "Isabelle Bernard")]:
        account = user(email)
        assert account.family.name == name
        assert account.person.role == "guardian" and account.person.family_id == account.family_id
        assert account.display_name == display


def test_about_thirty_families_and_fifty_children(seeded):
    assert 28 <= count(Family) <= 32
    children = db.session.scalars(select(Person).where(Person.role == "child")).all()
    assert 45 <= len(children) <= 55
    for child in children:  # aged 3 to 11 at the start of the school year, in a class of their age's school
        age = seeded.first_year - child.birth_date.year - ((child.birth_date.month, child.birth_date.day) > (9, 1))
        assert 3 <= age <= 11, child.full_name
        maternelle = child.class_name in ("PS", "MS", "GS")
        assert ("maternelle" if maternelle else "élémentaire") in child.school.name or "Groupe" in child.school.name


def test_demo_families_have_their_children_and_enrollments(seeded):
    martin = {c.first_name: c for c in family("Martin").children}
    assert set(martin) == {"Léa", "Hugo"}
    assert (martin["Léa"].class_name, martin["Hugo"].class_name) == ("CE1", "MS")
    codes = {c: {e.activity.code for e in child.enrollments} for c, child in martin.items()}
    assert codes["Hugo"] == {"restauration", "accueil-matin", "accueil-soir", "alsh-mercredi"}
    assert codes["Léa"] == codes["Hugo"] | {"alsh-vacances"}
    (chloe,) = family("Bernard").children
    assert (chloe.full_name, chloe.class_name) == ("Chloé Bernard", "CM1")
    assert {e.activity.code for e in chloe.enrollments} == {"restauration", "alsh-mercredi"}


def test_names_are_realistically_french(seeded):
    names = [p.full_name for p in db.session.scalars(select(Person))]
    assert sum(not n.isascii() for n in names) >= 10
    assert any("'" in n for n in names) and any("-" in n for n in names)


def test_other_families_can_be_invited(seeded):
    parents = db.session.scalars(select(User).where(User.role == "parent")).all()
    pending = [u for u in parents if u.password_hash is None]
    assert len(pending) >= 10
    assert all(u.email == u.email.lower() and u.person.family_id == u.family_id for u in parents)
    with_account = {u.family_id for u in parents}
    assert count(Family) - len(with_account) >= 10  # families with no account at all yet


def test_seeding_twice_changes_nothing(seeded):
    models = (CommuneSettings, Family, Person, User, Reservation, Absence, Closure)
    before = [count(m) for m in models]
    assert seed_demo() is False
    assert [count(m) for m in models] == before
    assert count(CommuneSettings) == 1


def test_cli_command_reports_an_existing_demo(seeded):
    result = seeded.app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0
    assert "déjà présente" in result.output


def test_cli_command_seeds_relative_to_the_current_day(tmp_path, monkeypatch):
    """`flask demo seed` (what `make run` calls) seeds the school year of the real current day (its own in-memory
    SQLite database, whatever the engine of the other tests)."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0 and "créée" in result.output
        today = dt.datetime.now(PARIS).date()
        assert db.session.scalar(select(Period.name).limit(1)) == demo.school_year(today).name
        assert db.session.scalar(select(Closure.date)) == demo.closure_day(today)
        db.session.remove()


# --------------------------------------------------------------------------- the school year and its states


def test_school_year_is_the_one_of_today_or_the_coming_one_from_august(seeded):
    first = seeded.first_year
    assert seeded.year.name == f"Année scolaire {first}-{first + 1}"
    periods = db.session.scalars(select(Period)).all()
    assert len(periods) == count(Activity) == 5
    for period in periods:
        assert (period.name, period.start_date) == (seeded.year.name, dt.date(first, 9, 1))
        assert dt.date(first + 1, 6, 30) <= period.end_date <= dt.date(first + 1, 7, 7)
    assert (seeded.today > seeded.year.end) == (seeded.today.month == 7)  # July: the year is over


def test_closure_is_a_school_day_one_to_three_weeks_ahead(seeded):
    (closure,) = db.session.scalars(select(Closure)).all()
    assert closure.date == demo.closure_day(seeded.today) and closure.activity_id is None
    assert "Fermeture exceptionnelle" in closure.reason
    assert closure.date in seeded.year.school_days and closure.date.weekday() != 2
    if seeded.today <= seeded.year.end:
        assert seeded.today + dt.timedelta(days=7) <= closure.date <= seeded.today + dt.timedelta(days=21)
    else:
        assert closure.date == max(d for d in seeded.year.school_days if d.weekday() != 2)


def test_full_wednesdays_have_capacity_reserved_and_a_waiting_list(seeded):
    rows = reservations_of("alsh-mercredi")
    units = {unit.id: unit for _, unit, _ in rows}
    assert len(units) == 3
    full_days = demo.full_wednesdays(seeded.today)
    for day in full_days:
        assert day.weekday() == 2 and day in seeded.year.school_days
        for unit in units.values():
            booked = [r for r, u, _ in rows if u.id == unit.id and r.date == day]
            reserved = [r for r in booked if r.state == "reserved"]
            waiting = sorted((r for r in booked if r.state == "waiting"), key=lambda r: r.requested_at)
            assert len(reserved) == unit.capacity
            assert 2 <= len(waiting) <= 3
            assert max(r.requested_at for r in reserved) < waiting[0].requested_at
            assert waiting[-1].requested_at < seeded.now
    martin = {c.first_name: c.id for c in family("Martin").children}
    queue = sorted((r for r, u, _ in rows if r.date == full_days[1] and r.state == "waiting"
                    and u.slot == "morning"), key=lambda r: r.requested_at)
    assert [r.child_id for r in queue[:2]] == [martin["Léa"], martin["Hugo"]]
    assert rules.next_to_promote(queue, None, 0)[0].child_id == martin["Léa"]
    activity = rows[0][2]
    if seeded.today <= seeded.year.end - dt.timedelta(days=35):  # far enough from the end: both still bookable
        calendar = rules.build_calendar("B", None, [seeded.first_year, seeded.first_year + 1])
        for day in full_days:
            assert day >= seeded.today + dt.timedelta(days=7)
            assert seeded.now < rules.deadline(activity.booking_policy, day, calendar)


def test_lea_martin_has_an_absence_awaiting_its_certificate(seeded):
    lea = next(c for c in family("Martin").children if c.first_name == "Léa")
    absence = db.session.execute(select(Absence).where(Absence.child_id == lea.id)).scalar_one()
    start, end = demo.absence_span(seeded.today)
    assert (absence.start_date, absence.end_date) == (start, end)
    assert absence.document_id is None and absence.justified_at is None
    assert absence.created_by_id == user("famille.martin@example.org").id
    assert absence.created_at < seeded.now
    marked = db.session.scalars(select(Reservation).where(Reservation.absence_id == absence.id)).all()
    assert marked and all(r.state == "absent" and start <= r.date <= end for r in marked)
    others = db.session.scalars(select(Reservation).where(Reservation.child_id == lea.id,
                                                          Reservation.date.between(start, end))).all()
    assert all(r.absence_id == absence.id or r.state == "waiting" for r in others)  # every booking those days
    if seeded.today < seeded.year.start:  # the year has not started: signalled ahead, on its first days
        assert start == seeded.year.school_days[0]
    else:  # her last days before today, up to yesterday: the 48 h certificate window is still open
        assert end < seeded.today and start >= seeded.today - dt.timedelta(days=7 if seeded.running else 60)
    window_open = rules.can_justify(absence, 48, seeded.now)
    assert window_open == (seeded.today <= seeded.year.end)
    if seeded.running:
        assert end == seeded.today - dt.timedelta(days=1)


def test_open_and_locked_days_around_today(seeded):
    """Léa's bookings from today on: some can still be changed; while the year runs, some are already locked."""
    lea = next(c for c in family("Martin").children if c.first_name == "Léa")
    rows = db.session.execute(
        select(Reservation, Activity).join(Unit, Reservation.unit_id == Unit.id).join(Activity)
        .where(Reservation.child_id == lea.id, Reservation.date >= seeded.today, Reservation.state == "reserved")
    ).all()
    calendar = rules.build_calendar("B", None, [seeded.first_year, seeded.first_year + 1])
    changeable = [r.date for r, a in rows if seeded.now < rules.deadline(a.cancel_policy, r.date, calendar)]
    locked = [r.date for r, a in rows if not seeded.now < rules.deadline(a.cancel_policy, r.date, calendar)]
    if seeded.today > seeded.year.end:
        assert not rows  # July: nothing left to book in the ending year
        return
    assert changeable
    if seeded.running:
        assert locked and min(locked) <= seeded.today + dt.timedelta(days=8)
    # A day a visitor can still book: the canteen (no capacity) on a day Léa's brother does not eat there.
    restauration = db.session.execute(select(Activity).where(Activity.code == "restauration")).scalar_one()
    (unit,) = restauration.units
    closures = db.session.scalars(select(Closure)).all()
    bookable = [d for d in rules.open_days(unit, restauration, restauration.periods, closures, calendar,
                                           seeded.today, seeded.year.end)
                if seeded.now < rules.deadline(restauration.booking_policy, d, calendar)]
    assert bookable


def test_the_martin_family_has_a_document_in_every_state(seeded):
    from blueprints.documents import rules as document_rules
    from models import Document

    martin = family("Martin")
    documents = db.session.scalars(select(Document).where(Document.family_id == martin.id)).all()
    states = {document_rules.state(d.status, d.valid_until, seeded.today) for d in documents}
    assert states == {"valid", "expiring", "expired", "submitted", "refused"}
    assert max(len(d.files) for d in documents) == 2
    for document in documents:
        for file in document.files:
            stored = Path(seeded.app.instance_path) / "uploads" / file.stored_name
            assert stored.read_bytes()[:4] in (b"%PDF", b"\x89PNG") and stored.stat().st_size == file.size
    assert max(d.uploaded_at for d in documents) < seeded.now
    assert db.session.scalar(select(func.count()).select_from(Document).where(Document.status == "submitted")) >= 2


def test_stamps_are_before_now(seeded):
    assert db.session.scalar(select(func.max(Reservation.requested_at))) < seeded.now
    assert db.session.scalar(select(func.max(Enrollment.created_at))) < seeded.now
    assert db.session.scalar(select(func.max(Absence.created_at))) < seeded.now


def test_capacity_is_never_exceeded_and_meals_come_with_a_half_day(seeded):
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    columns = (Reservation.child_id, Reservation.unit_id, Reservation.date, Reservation.state)
    rows = db.session.execute(select(*columns)).all()
    taken = Counter((unit_id, day) for _, unit_id, day, state in rows if state != "waiting")
    assert all(units[unit_id].capacity is None or n <= units[unit_id].capacity for (unit_id, _), n in taken.items())
    held = {(child_id, unit_id, day) for child_id, unit_id, day, _ in rows}
    for child_id, unit_id, day, _ in rows:
        if units[unit_id].required_unit_ids:
            assert any((child_id, other, day) in held for other in units[unit_id].required_unit_ids)


def test_every_child_enrolled_has_a_year_of_reservations(seeded):
    rows = db.session.execute(select(Reservation.child_id, Reservation.date)).all()
    days_per_child = Counter(child_id for child_id, _ in rows)
    chloe = family("Bernard").children[0]
    assert days_per_child[chloe.id] > 100  # canteen four days a week plus Wednesdays
    year = seeded.year
    assert min(d for _, d in rows) < year.start + dt.timedelta(days=7)
    assert max(d for _, d in rows) > year.end - dt.timedelta(days=7)


def test_no_reservation_on_a_day_the_activity_is_closed(seeded):
    """Checked against the reservation rules' own calendar (public holidays, zone B school holidays, closures)."""
    calendar = rules.build_calendar("B", None, [seeded.first_year, seeded.first_year + 1])
    closures = db.session.scalars(select(Closure)).all()
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    booked = db.session.execute(select(Reservation.unit_id, Reservation.date).distinct()).all()
    for unit_id, day in booked:
        unit = units[unit_id]
        status = rules.day_status(unit, unit.activity, unit.activity.periods, closures, calendar, day)
        assert status, (unit.activity.code, day, status)
    if seeded.first_year <= 2027:  # the bundled school holidays: the holiday leisure centre runs
        assert any(units[unit_id].activity.code == "alsh-vacances" for unit_id, _ in booked)
