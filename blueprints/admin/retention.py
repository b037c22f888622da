"""RGPD retention, run by `flask retention run [--dry-run]` (cron): what the commune stops keeping, and when.

- A child's data is anonymised 3 years after they left (CHILD_YEARS): the day they left is the last day of their
  last enrolment period (a child never enrolled: the day their file was created). Name, birth date, class, health
  file, authorisations, absence reasons, their documents and the names in the logs go; bookings stay, without a
  name (statistics, and invoices once billing exists: those are kept 10 years, INVOICE_YEARS).
- Uploads that no longer prove anything are removed: a pièce expired for a year (EXPIRED_KEPT), refused or
  replaced for 6 months (SUPERSEDED_KEPT).

The rules (blueprints/admin/rules.py: `child_left_on`, `child_due`, `document_due`) are pure and take `today`;
`plan(today)` reads what is due and `apply(plan, now)` writes it (flush; the caller commits, then removes files)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from blueprints.admin.rules import ANONYMOUS_FIRST, ANONYMOUS_LAST, PARIS, child_due, child_left_on, document_due

# --------------------------------------------------------------------------- reading and writing


@dataclass
class Plan:
    children: list[tuple[int, dt.date]] = field(default_factory=list)  # (person id, left on)
    documents: list[int] = field(default_factory=list)  # document ids (pièces)


def _day(instant: Optional[dt.datetime]) -> Optional[dt.date]:
    return None if instant is None else instant.astimezone(PARIS).date()


def plan(today: dt.date) -> Plan:
    """What is due on `today` (nothing written): two queries."""
    from models import Document, Enrollment, Family, Period, Person, db

    last_end = (db.select(Enrollment.child_id, db.func.max(Period.end_date).label("end"))
                .join(Period, Enrollment.period_id == Period.id).group_by(Enrollment.child_id).subquery())
    rows = db.session.execute(
        db.select(Person.id, last_end.c.end, Family.created_at).join(Family, Person.family_id == Family.id)
        .outerjoin(last_end, last_end.c.child_id == Person.id)
        .where(Person.role == "child", Person.anonymised_at.is_(None)).order_by(Person.id)).all()
    result = Plan()
    for person_id, end, created_at in rows:
        left = child_left_on([end] if end else [], _day(created_at))
        if child_due(left, today):
            result.children.append((person_id, left))
    documents = db.session.execute(
        db.select(Document.id, Document.status, Document.valid_until, Document.reviewed_at, Document.replaced_at)
        .where(Document.kind == "piece").order_by(Document.id)).all()
    result.documents = [doc_id for doc_id, status, until, reviewed, replaced in documents
                        if document_due(status, until, _day(reviewed) if status == "refused" else None,
                                        _day(replaced), today)]
    return result


def apply(todo: Plan, now: dt.datetime) -> list[str]:
    """Anonymise the children and remove the documents of `todo` (flush only); returns the stored file names to
    remove once committed (blueprints.uploads.discard)."""
    from blueprints.documents import service as documents
    from models import (
        Absence,
        Authorisation,
        ChildHealth,
        Document,
        FamilyChange,
        HealthAccess,
        Person,
        ProcedureAttachment,
        db,
    )

    child_ids = [person_id for person_id, _left in todo.children]
    doc_ids = set(todo.documents)
    if child_ids:
        doc_ids |= set(db.session.execute(db.select(Document.id).where(Document.child_id.in_(child_ids))).scalars())
    names: list[str] = []
    if doc_ids:
        db.session.execute(db.delete(ProcedureAttachment).where(ProcedureAttachment.document_id.in_(doc_ids)))
        db.session.execute(db.update(Absence).where(Absence.document_id.in_(doc_ids)).values(document_id=None))
        db.session.execute(db.update(ChildHealth).where(ChildHealth.pai_document_id.in_(doc_ids))
                           .values(pai_document_id=None))
        db.session.execute(db.update(Document).where(Document.replaces_id.in_(doc_ids)).values(replaces_id=None))
        for document in db.session.execute(db.select(Document).where(Document.id.in_(doc_ids))).scalars():
            names += documents.delete(document)
    for child in db.session.execute(db.select(Person).where(Person.id.in_(child_ids))).scalars():
        full_names = {f"{child.first_name} {child.last_name}", child.first_name}
        for change in db.session.execute(db.select(FamilyChange).where(FamilyChange.family_id == child.family_id)
                                         ).scalars():
            for name in sorted(full_names, key=len, reverse=True):
                change.summary = change.summary.replace(name, "(enfant anonymisé)")
        child.first_name, child.last_name = ANONYMOUS_FIRST, ANONYMOUS_LAST
        child.birth_date, child.class_name, child.birth_name = None, "", ""
        child.email = child.phone = child.other_phone = child.address = child.postcode = child.city = ""
        child.calendar_token, child.anonymised_at = None, now
    if child_ids:
        db.session.execute(db.delete(ChildHealth).where(ChildHealth.child_id.in_(child_ids)))
        db.session.execute(db.delete(Authorisation).where(Authorisation.child_id.in_(child_ids)))
        db.session.execute(db.update(Absence).where(Absence.child_id.in_(child_ids)).values(reason="",
                                                                                          refusal_reason=""))
        db.session.execute(db.update(HealthAccess).where(HealthAccess.child_id.in_(child_ids))
                           .values(child_name="(enfant anonymisé)"))
    db.session.flush()
    return names
