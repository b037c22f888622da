"""Supporting documents (pièces justificatives) against the database: a family's documents and where each stands,
storing an upload (files first, removed again if the database write fails), deleting, the agents' review (validate,
optionally correcting the validity dates, or refuse with a reason), the agents' queue, and the document types.

The API other domains (démarches) call: `valid_documents`, `missing_types`, `store_upload`, `files_removed_on_failure`,
`family_document`, `mark_used` (docs/architecture.md). Functions flush; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from blueprints import uploads
from blueprints.documents import rules
from blueprints.documents.defaults import DEFAULT_TYPES
from models import Document, DocumentFile, DocumentType, Family, Person, db

PARIS = ZoneInfo("Europe/Paris")
KIND = "piece"  # Document.kind of the family space's documents (absence certificates are "justificatif_absence")
# The agents' queue filters (URL value -> what it lists), the first is the default.
QUEUE_FILTERS = ("a_valider", "expire_bientot", "expiree", "validee", "refusee", "toutes")


@dataclass(frozen=True)
class Listed:
    """A document with where it stands on the day asked (rules.STATES)."""

    document: Document
    state: str


# --------------------------------------------------------------------------- types


def active_types() -> list[DocumentType]:
    """The types a family may send, in the agents' order."""
    return list(db.session.execute(
        select(DocumentType).where(DocumentType.active.is_(True)).order_by(DocumentType.position, DocumentType.id)
    ).scalars())


def all_types() -> list[DocumentType]:
    return list(db.session.execute(select(DocumentType).order_by(DocumentType.position, DocumentType.id)).scalars())


def type_by_code(code: str) -> DocumentType | None:
    return db.session.execute(select(DocumentType).where(DocumentType.code == code)).scalar_one_or_none()


def ensure_default_types() -> int:
    """Add the common types (defaults.DEFAULT_TYPES) whose code is missing; returns how many (flush)."""
    known = set(db.session.execute(select(DocumentType.code)).scalars())
    last = db.session.scalar(select(func.max(DocumentType.position))) or 0
    added = 0
    for position, (code, label, help_text, validity, months, per_child) in enumerate(DEFAULT_TYPES, start=last + 1):
        if code not in known:
            db.session.add(DocumentType(code=code, label=label, help_text=help_text, validity=validity,
                                        validity_months=months, per_child=per_child, active=True, position=position))
            added += 1
    db.session.flush()
    return added


def save_type(document_type: DocumentType) -> DocumentType:
    """Record a new or edited type: a new one gets a code made from its label (unique, fixed from then on) and
    comes last (flush)."""
    if document_type.id is None:
        document_type.code = _free_code(_slug(document_type.label)[:36] or "piece")
        document_type.position = (db.session.scalar(select(func.max(DocumentType.position))) or 0) + 1
        db.session.add(document_type)
    if document_type.validity != "months":
        document_type.validity_months = None
    db.session.flush()
    return document_type


def _slug(text: str) -> str:
    """ "Attestation d'assurance (vélo)" -> "attestation_d_assurance_velo"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def _free_code(base: str) -> str:
    taken = set(db.session.execute(select(DocumentType.code).where(DocumentType.code.startswith(base))).scalars())
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


# --------------------------------------------------------------------------- a family's documents


def _current(family_id: int) -> Select:
    return (select(Document).join(DocumentType, DocumentType.id == Document.type_id)
            .where(Document.family_id == family_id, Document.kind == KIND, Document.replaced_at.is_(None))
            .options(contains_eager(Document.type), joinedload(Document.child), selectinload(Document.files)))


def family_documents(family_id: int, today: dt.date) -> list[Listed]:
    """The family's current documents (replaced ones left out), by type in the agents' order, then child, newest
    first, each with its state on `today` (2 queries)."""
    rows = db.session.execute(_current(family_id).order_by(
        DocumentType.position, DocumentType.id, Document.child_id, Document.uploaded_at.desc(), Document.id.desc())
    ).scalars().unique().all()
    return [Listed(d, rules.state(d.status, d.valid_until, today)) for d in rows]


def family_document(family_id: int, doc_id: int) -> Document | None:
    """Document `doc_id` of the family space if it belongs to `family_id` (replaced ones included), else None:
    another family's document is as unknown as a missing one."""
    return db.session.execute(
        select(Document).where(Document.id == doc_id, Document.family_id == family_id, Document.kind == KIND)
        .options(joinedload(Document.type), joinedload(Document.child), selectinload(Document.files))
    ).scalar_one_or_none()


def valid_documents(family_id: int, type_codes: Iterable[str], today: dt.date, *, child_id: int | None = None,
                    include_submitted: bool = False) -> dict[str, list[Document]]:
    """For each type code asked, the family's documents that prove it on `today`: validated and not expired (and
    those awaiting an agent with `include_submitted`), the one valid longest first. `child_id`: for a type that
    concerns a child, only that child's. Every code asked is a key (an empty list: nothing valid)."""
    codes = list(dict.fromkeys(type_codes))
    found: dict[str, list[Document]] = {code: [] for code in codes}
    if not codes:
        return found
    rows = db.session.execute(
        select(Document).join(DocumentType, DocumentType.id == Document.type_id)
        .where(Document.family_id == family_id, Document.kind == KIND, DocumentType.code.in_(codes))
        .options(contains_eager(Document.type), selectinload(Document.files))
    ).scalars().unique().all()
    for document in rows:
        if child_id is not None and document.type.per_child and document.child_id != child_id:
            continue
        if rules.usable(rules.state(document.status, document.valid_until, today), include_submitted):
            found[document.type.code].append(document)
    for documents in found.values():
        documents.sort(key=lambda d: (d.valid_until is not None, d.valid_until or dt.date.max, d.id), reverse=True)
    return found


def missing_types(family_id: int, type_codes: Iterable[str], today: dt.date, *, child_id: int | None = None,
                  include_submitted: bool = False) -> list[str]:
    """The codes among `type_codes` for which the family has no valid document (see valid_documents)."""
    found = valid_documents(family_id, type_codes, today, child_id=child_id, include_submitted=include_submitted)
    return [code for code, documents in found.items() if not documents]


def attention_count(family_id: int, today: dt.date) -> int:
    """How many of the family's current documents ask for a newer one (refused, expired, expiring soon)."""
    return sum(1 for listed in family_documents(family_id, today) if listed.state in rules.NEEDS_ACTION)


def find_by_token(token: str) -> Document | None:
    """The document an upload form with this one-time number already stored (a form sent twice)."""
    return db.session.execute(select(Document).where(Document.request_token == token)).scalar_one_or_none()


# --------------------------------------------------------------------------- storing, deleting


def store_upload(family_id: int, type_code: str, files: Sequence[uploads.CheckedFile], *, now: dt.datetime,
                 actor_id: int | None, child_id: int | None = None, document_date: dt.date | None = None,
                 replaces: Document | None = None, token: str | None = None) -> Document:
    """Store `files` (already checked: uploads.check_upload) as the pages of a new document of type `type_code` for
    the family, status "submitted", its validity computed from the type and `document_date`; `replaces`: the
    document it replaces (kept, left out of the lists); the family's refused or expired documents of the same type
    (and child) are replaced too. Files are written first and removed again if the database write fails (flush, no
    commit: commit inside `files_removed_on_failure(document)`). ValueError for an unknown or inactive type, no
    file, or a child missing or not the family's for a type that concerns a child."""
    document_type = type_by_code(type_code)
    if document_type is None or not document_type.active or not files:
        raise ValueError("unknown or inactive document type, or no file")
    child = db.session.get(Person, child_id) if document_type.per_child and child_id is not None else None
    if document_type.per_child and (child is None or child.family_id != family_id or child.role != "child"):
        raise ValueError("a child of the family is required for this type")
    child_id = child.id if child else None
    valid_from, valid_until = rules.validity_period(document_type.validity, document_type.validity_months,
                                                    document_date)
    stored: list[str] = []
    try:
        for checked in files:
            stored.append(uploads.store(checked.data, checked.content_type))
        document = Document(
            family_id=family_id, child_id=child_id, kind=KIND, type_id=document_type.id, status="submitted",
            document_date=document_date, valid_from=valid_from, valid_until=valid_until, uploaded_at=now,
            uploaded_by_id=actor_id, request_token=token, replaces_id=replaces.id if replaces else None,
            files=[DocumentFile(position=n, original_name=checked.name, stored_name=name,
                                content_type=checked.content_type, size=len(checked.data))
                   for n, (checked, name) in enumerate(zip(files, stored, strict=True), start=1)])
        db.session.add(document)
        _replace_older(document, replaces, now)
        db.session.flush()
    except BaseException:
        for name in stored:
            uploads.discard(name)
        raise
    return document


def _replace_older(document: Document, replaces: Document | None, now: dt.datetime) -> None:
    today = now.astimezone(PARIS).date()
    same_child = Document.child_id.is_(None) if document.child_id is None else Document.child_id == document.child_id
    older = db.session.execute(
        select(Document).where(Document.family_id == document.family_id, Document.kind == KIND,
                               Document.type_id == document.type_id, same_child, Document.replaced_at.is_(None))
    ).scalars().all()
    for other in older:
        if other is not document and (other is replaces or rules.state(other.status, other.valid_until, today)
                                      in ("refused", "expired")):
            other.replaced_at = now
    if replaces is not None:
        replaces.replaced_at = now


@contextmanager
def files_removed_on_failure(document: Document) -> Iterator[None]:
    """Commit inside this block: if it fails, the session is rolled back and the document's stored files are
    removed (nothing half-saved), then the error goes on."""
    names = [f.stored_name for f in document.files]
    try:
        yield
    except BaseException:
        db.session.rollback()
        for name in names:
            uploads.discard(name)
        raise


def delete(document: Document) -> list[str]:
    """Delete a document and its pages' rows (flush); returns the stored names to remove once committed
    (uploads.discard: a failed commit must not lose the files of a document that is still there)."""
    names = [f.stored_name for f in document.files]
    db.session.delete(document)
    db.session.flush()
    return names


def mark_used(document: Document, now: dt.datetime) -> None:
    """A démarche relies on this document: the family can no longer delete it (flush)."""
    if document.used_at is None:
        document.used_at = now
        db.session.flush()


# --------------------------------------------------------------------------- the agents' review


def validate(document: Document, agent_id: int, now: dt.datetime, valid_from: dt.date | None,
             valid_until: dt.date | None) -> None:
    """An agent validates the document, with its validity dates as they stand or corrected (flush)."""
    document.status, document.reviewed_at, document.reviewed_by_id = "validated", now, agent_id
    document.valid_from, document.valid_until = valid_from, valid_until
    db.session.flush()


def refuse(document: Document, reason: str, agent_id: int, now: dt.datetime) -> None:
    """An agent refuses the document with the reason the family will read on the portal (flush)."""
    document.status, document.reviewed_at, document.reviewed_by_id = "refused", now, agent_id
    document.refusal_reason = reason.strip()[:300]
    db.session.flush()


def correct_dates(document: Document, valid_from: dt.date | None, valid_until: dt.date | None) -> None:
    """An agent corrects the validity dates of a validated document (flush)."""
    document.valid_from, document.valid_until = valid_from, valid_until
    db.session.flush()


def pending_count() -> int:
    """How many documents await an agent's validation."""
    return db.session.scalar(select(func.count()).select_from(Document).where(
        Document.kind == KIND, Document.status == "submitted", Document.replaced_at.is_(None)))


def queue(kind: str, type_id: int | None, today: dt.date, limit: int) -> list[tuple[Document, Family, str]]:
    """The agents' list for a filter of QUEUE_FILTERS (and a type): (document, family, state), awaiting validation
    oldest first, expiring soonest first, the others newest first. Replaced documents are left out."""
    stmt = (select(Document, Family).join(Family, Family.id == Document.family_id)
            .join(DocumentType, DocumentType.id == Document.type_id)
            .where(Document.kind == KIND, Document.replaced_at.is_(None))
            .options(contains_eager(Document.type), joinedload(Document.child), selectinload(Document.files)))
    if type_id is not None:
        stmt = stmt.where(Document.type_id == type_id)
    soon = today + dt.timedelta(days=rules.EXPIRING_SOON_DAYS)
    if kind == "a_valider":
        stmt = stmt.where(Document.status == "submitted").order_by(Document.uploaded_at, Document.id)
    elif kind == "expire_bientot":
        stmt = stmt.where(Document.status == "validated", Document.valid_until.between(today, soon)).order_by(
            Document.valid_until, Document.id)
    elif kind == "expiree":
        stmt = stmt.where(Document.status != "refused", Document.valid_until < today).order_by(
            Document.valid_until.desc(), Document.id.desc())
    elif kind in ("validee", "refusee"):
        stmt = stmt.where(Document.status == ("validated" if kind == "validee" else "refused")).order_by(
            Document.reviewed_at.desc(), Document.id.desc())
    else:
        stmt = stmt.order_by(Document.uploaded_at.desc(), Document.id.desc())
    rows = db.session.execute(stmt.limit(limit)).unique().all()
    return [(d, family, rules.state(d.status, d.valid_until, today)) for d, family in rows]
