"""The demo commune (`flask demo seed`): logins that work, realistic families, a year of reservations that respects
the calendar and capacities, a full Wednesday with its waiting list, a pending absence, and idempotence."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import func, select, text
from vacances_scolaires_france import SchoolHolidayDates

from app import create_app
from blueprints.auth.passwords import verify_password
from demo import AGENT_PASSWORD, FULL_WEDNESDAYS, PARENT_PASSWORD, seed_demo
from models import (
    Absence,
    Activity,
    Closure,
    CommuneSettings,
    Family,
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


@pytest.fixture(scope="module")
def seeded(database_url, tmp_path_factory):
    """One seeded database for the module (the tests only read it, or re-seed, which changes nothing).

    `database_url` comes from conftest: in-memory SQLite, or PostgreSQL when TEST_DATABASE_URL is set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        assert seed_demo() is True
        yield app
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
        age = 2026 - child.birth_date.year - ((child.birth_date.month, child.birth_date.day) > (9, 1))
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
    result = seeded.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0
    assert "déjà présente" in result.output


def test_full_wednesdays_have_capacity_reserved_and_a_waiting_list(seeded):
    rows = reservations_of("alsh-mercredi")
    units = {unit.id: unit for _, unit, _ in rows}
    assert len(units) == 3
    for day in FULL_WEDNESDAYS:
        for unit in units.values():
            booked = [r for r, u, _ in rows if u.id == unit.id and r.date == day]
            reserved = [r for r in booked if r.state == "reserved"]
            waiting = sorted((r for r in booked if r.state == "waiting"), key=lambda r: r.requested_at)
            assert len(reserved) == unit.capacity
            assert 2 <= len(waiting) <= 3
            assert max(r.requested_at for r in reserved) < waiting[0].requested_at
    lea = next(c for c in family("Martin").children if c.first_name == "Léa")
    queue = sorted((r for r, u, _ in rows if r.date == dt.date(2027, 1, 13) and r.state == "waiting"
                    and u.slot == "morning"), key=lambda r: r.requested_at)
    assert queue[0].child_id == lea.id


def test_capacity_is_never_exceeded_and_meals_come_with_a_half_day(seeded):
    rows = db.session.execute(select(Reservation, Unit).join(Unit, Reservation.unit_id == Unit.id)).all()
    taken = Counter((u.id, r.date) for r, u in rows if r.state != "waiting")
    capacity = {u.id: u.capacity for _, u in rows}
    assert all(capacity[unit_id] is None or n <= capacity[unit_id] for (unit_id, _), n in taken.items())
    slots = {(r.child_id, r.date, u.activity_id, u.slot) for r, u in rows}
    for r, u in rows:
        if u.required_unit_ids:
            assert {(r.child_id, r.date, u.activity_id, s) for s in ("morning", "afternoon")} & slots


def test_lea_martin_has_an_absence_awaiting_its_certificate(seeded):
    lea = next(c for c in family("Martin").children if c.first_name == "Léa")
    absence = db.session.execute(select(Absence).where(Absence.child_id == lea.id)).scalar_one()
    assert (absence.start_date, absence.end_date) == (dt.date(2026, 11, 19), dt.date(2026, 11, 22))
    assert absence.document_id is None and absence.justified_at is None
    assert absence.created_by_id == user("famille.martin@example.org").id
    marked = db.session.scalars(select(Reservation).where(Reservation.absence_id == absence.id)).all()
    assert all(r.state == "absent" for r in marked)
    assert {r.date for r in marked} == {dt.date(2026, 11, 19), dt.date(2026, 11, 20)}  # Thursday and Friday
    # Still justifiable on the demo's "today" (2026-11-23): its last day ends Sunday, plus 48 hours.
    last_moment = dt.datetime.combine(absence.end_date + dt.timedelta(days=3), dt.time(0), ZoneInfo("Europe/Paris"))
    assert dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc) < last_moment


def test_every_child_enrolled_has_a_year_of_reservations(seeded):
    rows = db.session.execute(select(Reservation.child_id, Reservation.date)).all()
    days_per_child = Counter(child_id for child_id, _ in rows)
    chloe = family("Bernard").children[0]
    assert days_per_child[chloe.id] > 100  # canteen four days a week plus Wednesdays
    assert min(d for _, d in rows) < dt.date(2026, 9, 8) and max(d for _, d in rows) > dt.date(2027, 6, 25)


def test_no_reservation_on_a_day_the_activity_is_closed(seeded):
    public = holidays.France(years=[2026, 2027])
    school_holidays = SchoolHolidayDates()
    closed = {c.date for c in db.session.scalars(select(Closure))}
    assert dt.date(2026, 12, 18) in closed
    rows = db.session.execute(select(Reservation, Unit, Activity).join(Unit, Reservation.unit_id == Unit.id)
                              .join(Activity)).all()
    for reservation, unit, activity in rows:
        day = reservation.date
        assert day.weekday() in unit.weekday_set, (activity.code, day)
        assert day not in public and day not in closed, (activity.code, day)
        assert activity.periods[0].start_date <= day <= activity.periods[0].end_date
        in_holidays = school_holidays.is_holiday_for_zone(day, "B")
        assert in_holidays == (activity.calendar == "holidays_only"), (activity.code, day)
