"""Démarches against the database: a family's drafts (one per démarche at a time, saved at each step, so an
interrupted session loses nothing), submission with its number, the agents' actions (take, ask for a complement,
accept, refuse) and their history, the lists families and agents read.

Accepting applies every change of the request through procedures/record.py in the same transaction, or none
(ApplyError or a file changed meanwhile: nothing is written). Functions flush; the route commits once, then sends
the e-mails. Rules (statuses, numbers, conflicts) are in rules.py, words in wording.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from blueprints.procedures import record, rules
from blueprints.procedures.kinds import KINDS
from models import (
    Document,
    Family,
    Person,
    ProcedureAttachment,
    ProcedureCounter,
    ProcedureEvent,
    ProcedureRequest,
    ProcedureType,
    db,
)

PARIS = ZoneInfo("Europe/Paris")


class Refused(Exception):
    """What the request's state does not allow (a code wording.REFUSED says in French)."""

    def __init__(self, code: str, conflicts=()):
        super().__init__(code)
        self.code, self.conflicts = code, list(conflicts)


@dataclass
class Submitted:
    request: ProcedureRequest
    applied: bool = False  # an immediate démarche, applied at once
    apply_failed: str | None = None  # an immediate démarche that could not be applied: it waits for an agent
    conflicts: list = field(default_factory=list)


def steps(request: ProcedureRequest) -> list[str]:
    return rules.steps_of(KINDS[request.type.kind].steps, request.type.documents)


def active_types() -> list[ProcedureType]:
    return list(db.session.execute(select(ProcedureType).where(ProcedureType.active.is_(True))
                                   .order_by(ProcedureType.position, ProcedureType.id)).scalars())


def all_types() -> list[ProcedureType]:
    return list(db.session.execute(select(ProcedureType).order_by(ProcedureType.position, ProcedureType.id)).scalars())


def create_type(kind: str, title: str, description: str, school_year: str = "") -> ProcedureType:
    """Offer a démarche of the registry's `kind` with the registry's defaults (the commune edits them later)."""
    spec = KINDS[kind]
    row = ProcedureType(code=kind.replace("_", "-"), kind=kind, title=title, description=description,
                        applies_immediately=spec.immediate, required_documents="\n".join(spec.documents),
                        school_year=school_year if kind == "inscription_administrative" else "",
                        position=spec.position, active=True)
    db.session.add(row)
    db.session.flush()
    return row


# --------------------------------------------------------------------------- drafts


def draft_key(family_id: int, type_id: int, person_id: int | None) -> str:
    """One draft per démarche and person at a time (each guardian may change their own coordonnées at once; their
    common values are then protected by the conflict check, see rules.conflicts)."""
    return f"{family_id}:{type_id}:{person_id or 0}"


def find_draft(family_id: int, type_id: int, person_id: int | None) -> ProcedureRequest | None:
    return db.session.execute(select(ProcedureRequest).where(
        ProcedureRequest.draft_key == draft_key(family_id, type_id, person_id))).scalar_one_or_none()


def start(family: Family, kind_type: ProcedureType, person: Person | None, author_id: int,
          now: dt.datetime) -> tuple[ProcedureRequest, bool]:
    """The family's draft of this démarche about `person` (None: the family, or a new contact): the one already
    started, or a new one with the file's values as they are now. Returns (draft, created)."""
    person_id = person.id if person else None
    existing = find_draft(family.id, kind_type.id, person_id)
    if existing is not None:
        return existing, False
    request = ProcedureRequest(
        family_id=family.id, type_id=kind_type.id, author_id=author_id, person_id=person.id if person else None,
        status=rules.DRAFT, answers={"_new": True} if person is None and kind_type.kind == "contact" else {},
        snapshot=record.current_values(kind_type.kind, family, person),
        draft_key=draft_key(family.id, kind_type.id, person_id),
        created_at=now, updated_at=now)
    request.type, request.family, request.person = kind_type, family, person
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:  # the other guardian started it at the same moment: theirs is the one
        return find_draft(family.id, kind_type.id, person_id), False
    return request, True


def save_step(request: ProcedureRequest, step: str, answers: dict, now: dt.datetime) -> None:
    """Keep a step's answers (the draft survives the session); refused once the request left the family."""
    if request.status not in rules.EDITABLE:
        raise Refused("not_editable")
    request.answers = {**(request.answers or {}), step: answers}
    request.updated_at = now
    db.session.flush()


def attach(request: ProcedureRequest, label: str, document: Document) -> None:
    """Attach `document` as the request's `label` (replacing an earlier one for the same label)."""
    for old in [a for a in request.attachments if a.label == label]:
        request.attachments.remove(old)
    db.session.add(document)
    db.session.flush()
    request.attachments.append(ProcedureAttachment(document_id=document.id, label=label))
    db.session.flush()


def delete_draft(request: ProcedureRequest) -> None:
    """Abandon a draft (nothing was sent: it simply disappears, with its attachments' rows)."""
    if request.status != rules.DRAFT:
        raise Refused("not_draft")
    db.session.delete(request)
    db.session.flush()


# --------------------------------------------------------------------------- numbers


def next_number(year: int) -> str:
    """The next request number of `year`, taken in the current transaction (the one engine-specific helper here).

    The year's counter row is created if needed (INSERT ... ON CONFLICT DO NOTHING), then bumped with UPDATE ...
    RETURNING: PostgreSQL holds the row lock until the transaction ends, SQLite its database write lock, so two
    submissions never get the same number, and a rolled-back submission gives its number back (no gap)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(ProcedureCounter).values(year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["year"]))
    last = db.session.execute(update(ProcedureCounter).where(ProcedureCounter.year == year)
                              .values(last=ProcedureCounter.last + 1).returning(ProcedureCounter.last)).scalar_one()
    return rules.format_number(year, last)


# --------------------------------------------------------------------------- moves


def _event(request: ProcedureRequest, now: dt.datetime, actor_id: int | None, kind: str, *, before=None, after=None,
           message: str = "", visible: bool = True) -> None:
    request.events.append(ProcedureEvent(at=now, actor_id=actor_id, kind=kind, status_from=before, status_to=after,
                                         message=message, visible=visible))


def _move(request: ProcedureRequest, action: str, actor: str, now: dt.datetime, actor_id: int | None,
          message: str = "") -> str:
    """Move the request as `actor` doing `action` allows, atomically: the UPDATE only matches the status it was
    read in, so two agents acting at once cannot both succeed (the second gets Refused("changed"))."""
    before = request.status
    after = rules.transition(before, action, actor)
    if after is None:
        raise Refused("not_allowed")
    done = db.session.execute(update(ProcedureRequest).where(ProcedureRequest.id == request.id,
                                                            ProcedureRequest.status == before)
                              .values(status=after, updated_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Refused("changed")
    request.status, request.updated_at = after, now
    if before != after:
        _event(request, now, actor_id, "status", before=before, after=after, message=message)
    return after


def problems_before_submit(request: ProcedureRequest) -> list[str]:
    """Codes of what is missing: "unanswered" (a step), "documents" (a required document)."""
    found = []
    if rules.first_unanswered(steps(request), list(request.answers or {}) + [rules.DOCUMENTS_STEP]):
        found.append("unanswered")
    if rules.missing_documents(request.type.documents, [a.label for a in request.attachments]):
        found.append("documents")
    return found


def conflicts_now(request: ProcedureRequest) -> list[rules.Conflict]:
    """The values of the file this request changes that someone else changed since it started."""
    current = record.current_values(request.type.kind, request.family, request.person)
    return rules.conflicts(request.snapshot or {}, current, record.wanted_values(request))


def submit(request: ProcedureRequest, now: dt.datetime, actor_id: int) -> Submitted:
    """Send the request (attested by the family): its number (kept when it comes back completed), status "déposée";
    an immediate démarche is applied at once. When the file changed since the draft started, nothing is sent: the
    draft now starts from the file as it is, and the family checks its answers again (Submitted.conflicts)."""
    if rules.transition(request.status, "submit", "family") is None:
        raise Refused("not_editable")
    problems = problems_before_submit(request)
    if problems:
        raise Refused(problems[0])
    current = record.current_values(request.type.kind, request.family, request.person)
    if not rules.changes(current, record.wanted_values(request)):
        raise Refused("unchanged")
    found = conflicts_now(request)
    if found:
        request.snapshot = record.current_values(request.type.kind, request.family, request.person)
        db.session.flush()
        return Submitted(request, conflicts=found)
    if request.number is None:
        year = now.astimezone(PARIS).year
        request.number = next_number(year)
    _move(request, "submit", "family", now, actor_id)
    request.submitted_at = request.attested_at = now
    request.draft_key = None
    db.session.flush()
    result = Submitted(request)
    if request.type.applies_immediately:
        try:
            with db.session.begin_nested():
                _apply(request, now, None)
                _move(request, "accept", "system", now, None)
                request.decided_at = now
            result.applied = True
        except record.ApplyError as error:
            result.apply_failed = error.code
    return result


def _apply(request: ProcedureRequest, now: dt.datetime, actor_id: int | None) -> None:
    current = record.current_values(request.type.kind, request.family, request.person)
    wanted = record.wanted_values(request)
    found = rules.conflicts(request.snapshot or {}, current, wanted)
    if found:
        raise Refused("conflict", found)
    given_on = (request.submitted_at or now).astimezone(PARIS).date()
    record.apply(request, rules.changes(current, wanted), now, given_on, actor_id)


def take(request: ProcedureRequest, agent_id: int, now: dt.datetime) -> None:
    """ "Je m'en occupe": the agent is assigned and the request is "en cours"."""
    _move(request, "take", "agent", now, agent_id)
    if request.assigned_to_id != agent_id:
        request.assigned_to_id = agent_id
        _event(request, now, agent_id, "assigned", visible=False)
    db.session.flush()


def accept(request: ProcedureRequest, agent_id: int, now: dt.datetime, message: str = "") -> None:
    """Apply every change to the file and accept, in the caller's transaction: all or nothing (Refused("conflict")
    when the file changed meanwhile, ApplyError when a part cannot be done; the route then rolls back)."""
    if rules.transition(request.status, "accept", "agent") is None:
        raise Refused("not_allowed")
    _apply(request, now, agent_id)
    _move(request, "accept", "agent", now, agent_id, message)
    request.decided_at = now
    request.assigned_to_id = request.assigned_to_id or agent_id
    db.session.flush()


def refuse(request: ProcedureRequest, agent_id: int, reason: str, now: dt.datetime) -> None:
    _move(request, "refuse", "agent", now, agent_id, reason)
    request.decided_at = now
    request.assigned_to_id = request.assigned_to_id or agent_id
    db.session.flush()


def ask_completion(request: ProcedureRequest, agent_id: int, message: str, now: dt.datetime) -> None:
    """Back to the family with the agent's message; its answers start again from the file as it is now."""
    _move(request, "ask", "agent", now, agent_id, message)
    request.assigned_to_id = request.assigned_to_id or agent_id
    request.snapshot = record.current_values(request.type.kind, request.family, request.person)
    db.session.flush()


# --------------------------------------------------------------------------- reading


def _with_type():
    return [joinedload(ProcedureRequest.type), joinedload(ProcedureRequest.person)]


def family_requests(family_id: int, *, status: str = "", type_id: int | None = None, year: int | None = None,
                    limit: int | None = None) -> list[ProcedureRequest]:
    """The family's requests, drafts first then the newest (filters: status, démarche, year of submission)."""
    stmt = select(ProcedureRequest).where(ProcedureRequest.family_id == family_id).options(*_with_type())
    if status:
        stmt = stmt.where(ProcedureRequest.status == status)
    if type_id:
        stmt = stmt.where(ProcedureRequest.type_id == type_id)
    if year:
        stmt = stmt.where(ProcedureRequest.number.startswith(f"{year}-"))
    stmt = stmt.order_by((ProcedureRequest.status == rules.DRAFT).desc(), ProcedureRequest.updated_at.desc(),
                         ProcedureRequest.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def family_years(family_id: int) -> list[int]:
    numbers = db.session.execute(select(ProcedureRequest.number).where(
        ProcedureRequest.family_id == family_id, ProcedureRequest.number.is_not(None))).scalars()
    return sorted({int(n[:4]) for n in numbers}, reverse=True)


def counts_by_status() -> dict[str, int]:
    rows = db.session.execute(select(ProcedureRequest.status, func.count()).group_by(ProcedureRequest.status))
    return {status: n for status, n in rows}


def queue(*, type_id: int | None = None, status: str = "", school_id: int | None = None,
          start: dt.date | None = None, end: dt.date | None = None, limit: int = 200) -> list[ProcedureRequest]:
    """The requests agents see (never drafts), those awaiting the service first, the oldest first: filters by
    démarche, status, school (a
    child of the family goes there), submission day (Europe/Paris)."""
    stmt = (select(ProcedureRequest).where(ProcedureRequest.status != rules.DRAFT)
            .options(*_with_type(), joinedload(ProcedureRequest.family), joinedload(ProcedureRequest.assigned_to)))
    if type_id:
        stmt = stmt.where(ProcedureRequest.type_id == type_id)
    if status:
        stmt = stmt.where(ProcedureRequest.status == status)
    if school_id:
        stmt = stmt.where(ProcedureRequest.family_id.in_(
            select(Person.family_id).where(Person.role == "child", Person.school_id == school_id)))
    if start:
        stmt = stmt.where(ProcedureRequest.submitted_at >= dt.datetime.combine(start, dt.time(0), PARIS))
    if end:
        stmt = stmt.where(ProcedureRequest.submitted_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0),
                                                                              PARIS))
    waiting_first = ProcedureRequest.status.in_((rules.SUBMITTED, rules.IN_PROGRESS)).desc()  # then à compléter
    return list(db.session.execute(stmt.order_by(waiting_first, ProcedureRequest.submitted_at,
                                                 ProcedureRequest.id).limit(limit)).scalars())


def open_count() -> int:
    """How many requests await the service (déposées, en cours)."""
    return db.session.scalar(select(func.count()).select_from(ProcedureRequest).where(
        ProcedureRequest.status.in_((rules.SUBMITTED, rules.IN_PROGRESS))))
