"""Démarches (procedures): the types a commune offers (data agents edit), the families' requests with their
answers, history and attached documents, and the per-year counter that numbers them."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.accounts import User
from schema.base import UTCDateTime, db, utcnow
from schema.families import Family, Person
from schema.reservations import Document

# Where a request stands: draft (the family is filling it in) -> submitted (déposée) -> in_progress (en cours, an
# agent has it) -> incomplete (à compléter, back with the family) -> ... -> accepted / refused.
PROCEDURE_STATUSES = ("draft", "submitted", "in_progress", "incomplete", "accepted", "refused")


class ProcedureType(db.Model):
    """A démarche the commune offers. `kind` names its steps in the code's registry (blueprints/procedures/kinds.py);
    everything else is the commune's choice: title, help, whether it is offered, whether it applies at once or waits
    for an agent, the documents it requires (one per line), the school year of the inscription administrative."""

    __tablename__ = "procedure_type"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # in the address: /demarches/<code>
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    applies_immediately: Mapped[bool] = mapped_column(Boolean, default=False)
    required_documents: Mapped[str] = mapped_column(Text, default="")  # one label per line
    school_year: Mapped[str] = mapped_column(String(9), default="")  # "2026-2027" (inscription administrative)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def documents(self) -> list[str]:
        """The documents a request of this type needs, in order."""
        return [line.strip() for line in (self.required_documents or "").splitlines() if line.strip()]


class ProcedureCounter(db.Model):
    """The last request number given in a year (locked and bumped in the submitting transaction: no gap)."""

    __tablename__ = "procedure_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ProcedureRequest(db.Model):
    """A family's request (demande): its answers step by step, the values of the file when it started (`snapshot`,
    for the agent's comparison and to detect a file changed meanwhile), where it stands, its number once submitted.

    `draft_key` is "family:type:person" while it is a draft (unique: one draft per démarche and person at a time),
    None after."""

    __tablename__ = "procedure_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[Optional[str]] = mapped_column(String(12), unique=True)  # "2026-000123", given at submission
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("procedure_type.id"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))  # whom it is about
    status: Mapped[str] = mapped_column(String(12), default="draft")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    draft_key: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    attested_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    type: Mapped[ProcedureType] = relationship()
    family: Mapped[Family] = relationship()
    person: Mapped[Optional[Person]] = relationship()
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])
    assigned_to: Mapped[Optional[User]] = relationship(foreign_keys=[assigned_to_id])
    events: Mapped[list["ProcedureEvent"]] = relationship(
        back_populates="request", order_by="(ProcedureEvent.at, ProcedureEvent.id)", cascade="all, delete-orphan")
    attachments: Mapped[list["ProcedureAttachment"]] = relationship(
        back_populates="request", order_by="ProcedureAttachment.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("status IN (%s)" % ",".join(f"'{s}'" for s in PROCEDURE_STATUSES), name="status"),
        Index("ix_procedure_request_status_submitted", "status", "submitted_at"),
    )


class ProcedureEvent(db.Model):
    """A line of a request's history: a status change, an assignment or a message, who and when. `visible`: shown to
    the family (agents' internal notes are not)."""

    __tablename__ = "procedure_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("procedure_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))  # status | assigned | message
    status_from: Mapped[Optional[str]] = mapped_column(String(12))
    status_to: Mapped[Optional[str]] = mapped_column(String(12))
    message: Mapped[str] = mapped_column(Text, default="")
    visible: Mapped[bool] = mapped_column(Boolean, default=True)

    request: Mapped[ProcedureRequest] = relationship(back_populates="events")
    actor: Mapped[Optional[User]] = relationship()


class ProcedureAttachment(db.Model):
    """A document sent with a request, for one of its type's required documents (`label`)."""

    __tablename__ = "procedure_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("procedure_request.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(120))

    request: Mapped[ProcedureRequest] = relationship(back_populates="attachments")
    document: Mapped[Document] = relationship()
