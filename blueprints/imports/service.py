"""Importing families from the CSV file against the database: what the file would create (dry run), the import
itself in one transaction (the one writer of imported rows), the uploaded file kept between the two steps, and
inviting every family without an account.

Idempotent: a family is found by its dossier number, a person by role and name (and birth date for a child), an
enrolment by child and period; what exists already is left as it is, so the same file imported twice changes
nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from blueprints.families import service as families
from blueprints.imports import rules, wording
from models import Activity, Enrollment, Family, Period, Person, School, User, db, normalize_email

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Plan:
    """What the import would do: new families, new people (by role), new enrolments, and what is there already."""

    families: list[str] = field(default_factory=list)  # dossier numbers to create
    existing_families: int = 0
    people: dict[str, int] = field(default_factory=lambda: {"guardian": 0, "child": 0, "contact": 0})
    existing_people: int = 0
    enrolments: int = 0
    existing_enrolments: int = 0

    @property
    def changes(self) -> int:
        return len(self.families) + sum(self.people.values()) + self.enrolments


def known_names() -> dict:
    """What the file may name: schools, activity codes."""
    return {"schools": list(db.session.execute(select(School.name)).scalars()),
            "activities": list(db.session.execute(select(Activity.code)).scalars())}


def read(raw: bytes, today: dt.date) -> tuple[str, list[rules.Line], list[rules.Problem]]:
    """(encoding, lines, problems) of an uploaded file; DecodeError when it is not text."""
    text, encoding = rules.decode(raw)
    lines, problems = rules.parse(text, today=today, **known_names())
    return encoding, lines, problems


def _period_for(activity_code: str, today: dt.date, periods: dict[str, list[Period]]) -> Period | None:
    """The period of the activity a child is enrolled in: the one running today, else the next one."""
    return next(iter(sorted((p for p in periods.get(activity_code, []) if p.end_date >= today),
                            key=lambda p: (p.start_date, p.id))), None)


def _load(lines: list[rules.Line]):
    dossiers = sorted({line.dossier for line in lines})
    found = {f.dossier_number: f for chunk in _chunks(dossiers) for f in db.session.execute(
        select(Family).where(Family.dossier_number.in_(chunk))).scalars()}
    people: dict[tuple, Person] = {}
    ids = [f.id for f in found.values()]
    number_of = {f.id: f.dossier_number for f in found.values()}
    for chunk in _chunks(ids):
        for person in db.session.execute(select(Person).where(Person.family_id.in_(chunk))).scalars():
            key = (number_of[person.family_id], person.role, *rules.person_key(person.first_name, person.last_name),
                   person.birth_date if person.role == "child" else None)
            people[key] = person
    children = [p.id for p in people.values() if p.role == "child"]
    enrolled = {(e.child_id, e.period_id) for chunk in _chunks(children) for e in db.session.execute(
        select(Enrollment).where(Enrollment.child_id.in_(chunk))).scalars()}
    periods: dict[str, list[Period]] = {}
    rows = db.session.execute(select(Period, Activity.code).join(Activity, Activity.id == Period.activity_id))
    for period, code in rows:
        periods.setdefault(code, []).append(period)
    return found, people, enrolled, periods


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def plan(lines: list[rules.Line], today: dt.date, loaded=None) -> Plan:
    """What importing `lines` would change (nothing is written); `loaded`: what _load read already."""
    found, people, enrolled, periods = loaded or _load(lines)
    result = Plan()
    new_families = sorted({line.dossier for line in lines if line.dossier not in found})
    result.families, result.existing_families = new_families, len({line.dossier for line in lines}) - len(new_families)
    for line in lines:
        person = people.get(line.key)
        if person is None:
            result.people[line.role] += 1
        else:
            result.existing_people += 1
        for code in line.activities:
            period = _period_for(code, today, periods)
            if period is None:
                continue
            if person is not None and (person.id, period.id) in enrolled:
                result.existing_enrolments += 1
            else:
                result.enrolments += 1
    return result


def apply(lines: list[rules.Line], today: dt.date, now: dt.datetime, *, actor_id: int | None) -> Plan:
    """Create what is missing (families, then people, then enrolments: three flushes whatever the file's size);
    flush only: the route commits once."""
    loaded = _load(lines)
    result = plan(lines, today, loaded)
    found, people, enrolled, periods = loaded
    schools = {s.name: s.id for s in db.session.execute(select(School)).scalars()}
    ordered = sorted(lines, key=lambda ln: (ln.role != "guardian", ln.number))  # guardians first: the address
    created = {}
    for line in ordered:
        if line.dossier not in found:
            found[line.dossier] = Family(dossier_number=line.dossier, name=line.last_name, address=line.address,
                                         postcode=line.postcode, city=line.city, phone=line.phone, email=line.email,
                                         created_at=now)
            created[line.dossier] = line.number
    with db.session.no_autoflush:
        db.session.add_all(found[d] for d in created)
        db.session.flush()
        for dossier, number in created.items():
            families.record(found[dossier].id, "created", wording.imported_summary(number), now, actor_id)
        new_people = []
        for line in ordered:
            if line.key not in people:
                person = Person(family_id=found[line.dossier].id, role=line.role, civility=line.civility,
                                first_name=line.first_name, last_name=line.last_name, birth_date=line.birth_date,
                                email=line.email, phone=line.phone, relationship_label=line.relationship,
                                can_pick_up=line.can_pick_up, emergency_contact=line.emergency,
                                school_id=schools.get(line.school), class_name=line.class_name)
                people[line.key] = person
                new_people.append(person)
        db.session.add_all(new_people)
        db.session.flush()
        for line in ordered:
            person = people[line.key]
            for code in line.activities:
                period = _period_for(code, today, periods)
                if period is not None and (person.id, period.id) not in enrolled:
                    db.session.add(Enrollment(child_id=person.id, activity_id=period.activity_id,
                                              period_id=period.id, created_at=now))
                    enrolled.add((person.id, period.id))
    db.session.flush()
    return result


# --------------------------------------------------------------------------- the file between the two steps


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(raw: bytes) -> str:
    """Keep the uploaded file until the agent confirms the import; returns its random name."""
    token = secrets.token_urlsafe(24)
    (_folder() / f"{token}.csv").write_bytes(raw)
    return token


def kept(token: str) -> bytes | None:
    if not TOKEN.match(token or ""):
        return None
    path = _folder() / f"{token}.csv"
    return path.read_bytes() if path.is_file() else None


def forget(token: str) -> None:
    if TOKEN.match(token or ""):
        (_folder() / f"{token}.csv").unlink(missing_ok=True)


# --------------------------------------------------------------------------- invitations


@dataclass
class InvitationReport:
    invited: list[tuple[Family, str]] = field(default_factory=list)
    invalid: list[tuple[Family, Person, str]] = field(default_factory=list)  # family, guardian, address refused
    without_email: list[Family] = field(default_factory=list)
    taken: list[tuple[Family, str]] = field(default_factory=list)  # address already used by another account


def families_without_account() -> list[Family]:
    has_login = select(User.family_id).where(User.family_id.is_not(None))
    return list(db.session.execute(select(Family).where(Family.id.not_in(has_login)).order_by(Family.name, Family.id)
                                   ).scalars())


def invitation_logins(now: dt.datetime) -> tuple[InvitationReport, list[User]]:
    """A login for the first guardian with a valid e-mail of every family without an account (flush only); the
    caller commits, then sends the invitations (blueprints/auth/mails.invitation_mail)."""
    report, users = InvitationReport(), []
    taken = set(db.session.execute(select(User.email)).scalars())
    for family in families_without_account():
        guardians = [p for p in family.guardians if p.email]
        if not guardians:
            report.without_email.append(family)
            continue
        chosen = None
        for guardian in guardians:
            try:
                email = normalize_email(validate_email(guardian.email, check_deliverability=False).normalized)
            except EmailNotValidError:
                report.invalid.append((family, guardian, guardian.email))
                continue
            if email in taken:
                report.taken.append((family, email))
                continue
            chosen = (guardian, email)
            break
        if chosen is None:
            continue
        guardian, email = chosen
        user = User(email=email, role="parent", family_id=family.id, person_id=guardian.id,
                    display_name=guardian.full_name, created_at=now)
        db.session.add(user)
        taken.add(email)
        users.append(user)
        report.invited.append((family, email))
    db.session.flush()
    return report, users
