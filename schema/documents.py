"""Supporting documents (pièces justificatives): their types (data agents edit), a family's documents and each
document's stored files (its pages). The files themselves live under instance/uploads (blueprints/uploads.py)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow

# How long a document of a type stays valid, from the date written on it (DocumentType.validity):
#   none: no end (a judgement, a RIB); months: `validity_months` months ("moins de 3 mois");
#   school_year: until the end of the school year of that date (31 August).
VALIDITY_RULES = ("none", "months", "school_year")
# Where a family's document stands (Document.status); "expire bientôt" and "expiré" are computed from its dates.
DOCUMENT_STATUSES = ("submitted", "validated", "refused")
# Document.kind: a document of the family's space ("piece", it has a type), or an absence's certificate (its review
# is the Absence's: blueprints/absences).
DOCUMENT_KINDS = ("piece", "justificatif_absence", "demarche", "pai", "message")  # demarche, pai: sent with a
# démarche; message: attached to a message of the messagerie (blueprints/messages)


class DocumentType(db.Model):
    """A kind of document the service asks for ("Justificatif de domicile", "Attestation CAF ou MSA"...): agents
    edit them in the back office; `code` is what other domains (démarches) name it by, fixed once created.
    A type is deactivated, never deleted (documents keep it)."""

    __tablename__ = "document_type"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    validity: Mapped[str] = mapped_column(String(12), default="none")
    validity_months: Mapped[Optional[int]] = mapped_column(Integer)
    per_child: Mapped[bool] = mapped_column(Boolean, default=False)  # concerns one child (carnet de vaccination)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("validity IN (%s)" % ",".join(f"'{v}'" for v in VALIDITY_RULES), name="validity"),
        CheckConstraint("validity <> 'months' OR validity_months BETWEEN 1 AND 120", name="months"),
    )


class Document(db.Model):
    """An uploaded supporting document (pièce justificative) of a family, made of one or several stored files.

    kind "piece": a document of the family's space, of a `type`, for one child when the type says so, with the date
    written on it (`document_date`) and its validity (`valid_from`, `valid_until`: computed from the type, editable by
    agents; no end when None). status: submitted (déposé) -> validated / refused (`refusal_reason`), by
    `reviewed_by_id` at `reviewed_at`. A document sent to replace a refused or expiring one names it (`replaces_id`),
    and the old one gets `replaced_at` (kept, out of the lists). `used_at`: a démarche relied on it (the family can
    no longer delete it). `request_token`: the upload form's one-time number (a form sent twice stores one document).
    kind "justificatif_absence": an absence's certificate (one file), reviewed through its Absence.
    """

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))  # DOCUMENT_KINDS
    type_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document_type.id"))
    status: Mapped[str] = mapped_column(String(10), default="submitted", server_default="submitted")
    document_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    valid_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    valid_until: Mapped[Optional[dt.date]] = mapped_column(Date)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    refusal_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    replaces_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    replaced_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    request_token: Mapped[Optional[str]] = mapped_column(String(32), unique=True)

    type: Mapped[Optional[DocumentType]] = relationship()
    # Person and User are other modules' tables, named by string (this module sits below families and accounts).
    child: Mapped[Optional["Person"]] = relationship("Person")  # noqa: F821
    uploaded_by: Mapped[Optional["User"]] = relationship("User", foreign_keys=[uploaded_by_id])  # noqa: F821
    reviewed_by: Mapped[Optional["User"]] = relationship("User", foreign_keys=[reviewed_by_id])  # noqa: F821
    # Not passive: SQLite does not enforce the ON DELETE CASCADE (foreign keys are off there), and it reuses the id
    # of a deleted last row, so pages left behind would collide with the next document's pages.
    files: Mapped[list["DocumentFile"]] = relationship(
        back_populates="document", order_by="DocumentFile.position", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("status IN (%s)" % ",".join(f"'{s}'" for s in DOCUMENT_STATUSES), name="status"),
        CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from", name="validity"),
        # the agents' queue: documents of a status, oldest first
        Index("ix_document_status_uploaded_at", "status", "uploaded_at"),
    )

    # An absence certificate is one file: its name, stored name, type and size are its first (only) file's.
    @property
    def original_name(self) -> str:
        return self.files[0].original_name

    @property
    def stored_name(self) -> str:
        return self.files[0].stored_name

    @property
    def content_type(self) -> str:
        return self.files[0].content_type

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


class DocumentFile(db.Model):
    """One stored file of a document (a page: the front of a card, one photo of several), under a random name in
    instance/uploads; the name the family gave is kept, cleaned, for the download only."""

    __tablename__ = "document_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... (page order)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)

    document: Mapped[Document] = relationship(back_populates="files")

    __table_args__ = (UniqueConstraint("document_id", "position"),)
