"""Family files against the database: the one place that writes families, their members (guardians, children,
contacts) and enrolments, each change with one line in the file's journal (FamilyChange).

The back office reads its forms into plain values (FamilyValues, PersonValues) and calls these functions. They
flush; the route commits once, then sends the e-mails. One exception, like reservations.service.apply_batch:
create_family commits itself, because a dossier number taken meanwhile by another agent is retried in a new
transaction. Rules (numbers, dates, what may be removed) are in rules.py, words in wording.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from blueprints.auth import tokens
from blueprints.families import rules, wording
from blueprints.reservations import service as reservations
from models import (
    Absence,
    Activity,
    Document,
    Enrollment,
    Family,
    FamilyChange,
    Period,
    Person,
    Reservation,
    ReservationChange,
    Unit,
    User,
    db,
    normalize_email,
)

CREATE_ATTEMPTS = 10  # each retry loses only to a file committed meanwhile: n agents at once need n tries


@dataclass(frozen=True)
class FamilyValues:
    name: str
    address: str
    postcode: str
    city: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PersonValues:
    """A member as typed (trimmed). Only the fields of the member's role are written (ROLE_FIELDS)."""

    first_name: str
    last_name: str
    civility: str = ""
    email: str = ""
    phone: str = ""
    relationship_label: str = ""
    birth_date: dt.date | None = None
    school_id: int | None = None
    class_name: str = ""
    can_pick_up: bool = False
    emergency_contact: bool = False


ROLE_FIELDS = {
    "guardian": ("civility", "first_name", "last_name", "relationship_label", "email", "phone"),
    "child": ("first_name", "last_name", "birth_date", "school_id", "class_name"),
    "contact": ("first_name", "last_name", "relationship_label", "phone", "can_pick_up", "emergency_contact"),
}


def record(family_id: int, action: str, summary: str, now: dt.datetime, actor_id: int | None) -> None:
    """One line of the family file's journal."""
    db.session.add(FamilyChange(family_id=family_id, action=action, summary=summary[:300], at=now,
                                actor_id=actor_id))


def journal(family_id: int, limit: int = 10) -> list[FamilyChange]:
    """The latest lines of the file's journal, newest first."""
    return list(db.session.execute(
        select(FamilyChange).where(FamilyChange.family_id == family_id).options(joinedload(FamilyChange.actor))
        .order_by(FamilyChange.at.desc(), FamilyChange.id.desc()).limit(limit)
    ).scalars())


def _fields(role: str, values: PersonValues) -> dict:
    data = asdict(values)
    return {name: data[name] for name in ROLE_FIELDS[role]}


def _new_person(role: str, values: PersonValues) -> Person:
    person = Person(role=role, **_fields(role, values))
    if role == "guardian":  # a parent may always fetch the child and be called
        person.can_pick_up = person.emergency_contact = True
    return person


# --------------------------------------------------------------------------- checks that need the database


def email_problem(email: str, family_id: int | None, person_id: int | None = None) -> str | None:
    """Why a guardian (`person_id`, None for a new one) of the family (`family_id`, None for a new family) cannot
    have this e-mail address: "guardian" when another guardian of the family has it, "other_family" when it is
    the login of another family, "login" when it is an agent's or another guardian's login. None when it is free
    (or empty)."""
    address = normalize_email(email)
    if not address:
        return None
    if family_id is not None:
        others = db.session.execute(select(Person.email).where(
            Person.family_id == family_id, Person.role == "guardian", Person.id != (person_id or 0))).scalars()
        if address in {normalize_email(e) for e in others}:
            return "guardian"
    user = db.session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None:
        return None
    if user.is_agent:
        return "login"
    if user.family_id != family_id:
        return "other_family"
    if user.person_id is not None and user.person_id != person_id:
        return "login"
    return None


def has_history(child_id: int) -> bool:
    """Anything ever recorded for the child: a booking, a line of its history, an absence, a document."""
    return bool(db.session.scalar(select(
        exists().where(Reservation.child_id == child_id)
        | exists().where(ReservationChange.child_id == child_id)
        | exists().where(Absence.child_id == child_id)
        | exists().where(Document.child_id == child_id))))


# --------------------------------------------------------------------------- the family file


def taken_numbers(year: int) -> list[str]:
    """The dossier numbers already given in `year`."""
    return list(db.session.execute(select(Family.dossier_number).where(
        Family.dossier_number.startswith(rules.dossier_prefix(year), autoescape=True))).scalars())


def family_with_key(key: str | None) -> int | None:
    """The id of the file a creation form with this key already made, if any."""
    if not key:
        return None
    return db.session.scalar(select(Family.id).where(Family.creation_key == key))


def create_family(values: FamilyValues, guardians: list[PersonValues], children: list[PersonValues],
                  now: dt.datetime, today: dt.date, *, actor_id: int | None,
                  key: str | None = None) -> tuple[int, bool]:
    """Create the file, its guardians and children, with the next dossier number of the year, and COMMIT.
    Returns (family id, created).

    Two agents creating files at the same moment may compute the same number: the second insert then fails on
    the unique number, everything is rolled back and built again with the next number. The same form sent twice
    (`key`, unique) creates one file: the replay gets the first one's id and created=False. Nothing is ever
    half-saved. The family's own phone and e-mail default to the first guardian's."""
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        done = family_with_key(key)
        if done is not None:
            return done, False
        number = rules.next_dossier_number(today.year, taken_numbers(today.year))
        first = guardians[0]
        details = {**asdict(values), "phone": values.phone or first.phone, "email": values.email or first.email}
        family = Family(dossier_number=number, created_at=now, creation_key=key or None, **details)
        family.members = ([_new_person("guardian", g) for g in guardians]
                          + [_new_person("child", c) for c in children])
        db.session.add(family)
        try:
            db.session.flush()
            record(family.id, "created", wording.created(number, len(guardians), len(children)), now, actor_id)
            db.session.commit()
            return family.id, True
        except IntegrityError:
            db.session.rollback()
            if family_with_key(key) is None and (attempt == CREATE_ATTEMPTS
                                                 or number not in taken_numbers(today.year)):
                raise
    raise AssertionError("unreachable")


def update_family(family: Family, values: FamilyValues, now: dt.datetime, *, actor_id: int | None) -> list[str]:
    """Write the family's details; returns the names of the fields that changed (journal line if any)."""
    wanted = asdict(values)
    changed = rules.changed_fields({name: getattr(family, name) for name in wanted}, wanted)
    for name in changed:
        setattr(family, name, wanted[name])
    if changed:
        record(family.id, "updated", wording.family_updated(changed), now, actor_id)
    db.session.flush()
    return changed


def update_family_fields(family: Family, fields: dict, now: dt.datetime, *, actor_id: int | None,
                         summary: str | None = None) -> list[str]:
    """Write some of the family's columns (a démarche's changes); returns the names that changed (journal line if
    any). The version column makes a simultaneous writer fail instead of overwriting (StaleDataError)."""
    changed = rules.changed_fields({name: getattr(family, name) for name in fields}, fields)
    for name in changed:
        setattr(family, name, fields[name])
    if changed:
        record(family.id, "updated", summary or wording.family_updated(changed), now, actor_id)
    db.session.flush()
    return changed


# --------------------------------------------------------------------------- members


def add_person(family: Family, role: str, values: PersonValues, now: dt.datetime, *, actor_id: int | None) -> Person:
    """A new guardian, child or contact in the family's file."""
    person = _new_person(role, values)
    person.family_id = family.id
    db.session.add(person)
    record(family.id, "person_added", wording.person_added(role, person.full_name), now, actor_id)
    db.session.flush()
    return person


def update_person(person: Person, values: PersonValues, now: dt.datetime, *, actor_id: int | None) -> list[str]:
    """Write a member's details; returns the names of the fields that changed.

    A guardian's new e-mail address also becomes the address of their login while it is not activated (the
    invitation sent to a mistyped address can then be sent again to the right one; the links already sent stop
    working). An activated login keeps its address: it is the parent's identifier."""
    wanted = _fields(person.role, values)
    before_name = person.full_name
    changed = rules.changed_fields({name: getattr(person, name) for name in wanted}, wanted)
    for name in changed:
        setattr(person, name, wanted[name])
    if "email" in changed and person.role == "guardian":
        _sync_login_email(person, now)
    if changed:
        record(person.family_id, "person_updated", wording.person_updated(before_name, changed), now, actor_id)
    db.session.flush()
    return changed


def _sync_login_email(person: Person, now: dt.datetime) -> None:
    user = db.session.execute(select(User).where(User.person_id == person.id)).scalar_one_or_none()
    if user is not None and not user.has_password and normalize_email(person.email):
        user.email = normalize_email(person.email)
        tokens.revoke_all(user, now)


def update_person_fields(person: Person, fields: dict, now: dt.datetime, *, actor_id: int | None) -> list[str]:
    """Write some of a member's columns (a démarche's changes), with update_person's e-mail rule; returns the names
    that changed."""
    before_name = person.full_name
    changed = rules.changed_fields({name: getattr(person, name) for name in fields}, fields)
    for name in changed:
        setattr(person, name, fields[name])
    if "email" in changed and person.role == "guardian":
        _sync_login_email(person, now)
    if changed:
        record(person.family_id, "person_updated", wording.person_updated(before_name, changed), now, actor_id)
    db.session.flush()
    return changed


def add_member(family: Family, role: str, fields: dict, now: dt.datetime, *, actor_id: int | None) -> Person:
    """A new member from a démarche's answers (any of the Person columns)."""
    person = Person(role=role, family_id=family.id, **fields)
    db.session.add(person)
    record(family.id, "person_added", wording.person_added(role, person.full_name), now, actor_id)
    db.session.flush()
    return person


def remove_person(person: Person, now: dt.datetime, *, actor_id: int | None) -> str | None:
    """Delete a contact, or a child's file when nothing was ever recorded for them (enrolments go with it).
    Returns the refusal code (rules.child_removal_problem), or None when removed. Guardians are not removed here."""
    if person.role not in wording.ROLE_REMOVED:
        raise ValueError(f"cannot remove a {person.role}")
    if person.role == "child":
        problem = rules.child_removal_problem(has_history(person.id))
        if problem:
            return problem
    record(person.family_id, "person_removed", wording.person_removed(person.role, person.full_name), now, actor_id)
    db.session.delete(person)
    db.session.flush()
    return None


# --------------------------------------------------------------------------- enrolments


def enrollable_periods(today: dt.date) -> list[Period]:
    """Every period not over yet, with its activity, in the order activities are listed."""
    return list(db.session.execute(
        select(Period).join(Period.activity).options(contains_eager(Period.activity)).where(Period.end_date >= today)
        .order_by(Activity.position, Activity.id, Period.start_date, Period.id)
    ).scalars())


def enroll(child: Person, period: Period, now: dt.datetime, today: dt.date, *,
           actor_id: int | None) -> str | None:
    """Enrol the child in the period (of its activity). Returns the refusal code (rules.enrollment_problem),
    "already" too when a simultaneous request enrolled them first; None when done."""
    enrolled = db.session.execute(select(Enrollment.period_id).where(Enrollment.child_id == child.id)).scalars()
    problem = rules.enrollment_problem(period, today, enrolled)
    if problem:
        return problem
    db.session.add(Enrollment(child_id=child.id, activity_id=period.activity_id, period_id=period.id, created_at=now))
    record(child.family_id, "enrolled", wording.enrolled(child.full_name, period.activity.name, period.name), now,
           actor_id)
    try:
        db.session.flush()
    except IntegrityError:  # the same enrolment, committed by another request in the meantime
        db.session.rollback()
        return "already"
    return None


def unenrolment_cancels(enrollment: Enrollment, today: dt.date) -> list[Reservation]:
    """The child's bookings and waiting-list entries an unenrolment would cancel (rules.cancelled_by_unenrolment):
    the activity's, inside the period, after today."""
    period = enrollment.period
    unit_ids = db.session.execute(select(Unit.id).where(Unit.activity_id == enrollment.activity_id)).scalars().all()
    rows = db.session.execute(
        select(Reservation).where(Reservation.child_id == enrollment.child_id, Reservation.unit_id.in_(unit_ids),
                                  Reservation.date > today, Reservation.date <= period.end_date)
        .order_by(Reservation.date, Reservation.unit_id)
    ).scalars().all()
    return rules.cancelled_by_unenrolment(rows, period, unit_ids, today)


def unenroll(enrollment: Enrollment, now: dt.datetime, today: dt.date, *, actor_id: int | None,
             reason: str) -> list[tuple[Person, reservations.Outcome]]:
    """Remove the enrolment after cancelling its bookings from tomorrow on (through reservations.service, with
    the audit trail and the waiting lists served). Returns the cancellations, for the family's e-mail."""
    child, activity, period = enrollment.child, enrollment.activity, enrollment.period
    cancelled = reservations.cancel_reservations(unenrolment_cancels(enrollment, today), now, reason,
                                                 actor_id=actor_id)
    record(child.family_id, "unenrolled", wording.unenrolled(child.full_name, activity.name, period.name,
                                                             len(cancelled)), now, actor_id)
    db.session.delete(enrollment)
    db.session.flush()
    return cancelled
