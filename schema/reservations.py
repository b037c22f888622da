"""Reservations, their audit trail and absences (an absence's certificate is a schema/documents.py Document)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.activities import Unit
from schema.base import UTCDateTime, db, utcnow
from schema.documents import Document


class Reservation(db.Model):
    """A child booked (or waiting) for one unit on one day. Cancelled bookings are deleted (history keeps them).

    state: reserved | waiting (liste d'attente, ordered by requested_at) | absent (absence signalée too late to
    cancel) | justified (absence justifiée: not billed)
    """

    __tablename__ = "reservation"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="reserved")
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    absence_id: Mapped[Optional[int]] = mapped_column(ForeignKey("absence.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        UniqueConstraint("child_id", "unit_id", "date"),
        CheckConstraint("state IN ('reserved','waiting','absent','justified')", name="state"),
        # month page: one child's reservations in a date range; capacity: one unit's bookings on one day
        Index("ix_reservation_child_date", "child_id", "date"),
        Index("ix_reservation_unit_date_state", "unit_id", "date", "state"),
    )


class ReservationChange(db.Model):
    """Audit trail of every change to a reservation: who, when, before and after, through which channel."""

    __tablename__ = "reservation_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    before: Mapped[Optional[str]] = mapped_column(String(10))  # None = no reservation
    after: Mapped[Optional[str]] = mapped_column(String(10))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(10), default="portal")  # portal | agent | system
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # history pages: a day (and a unit) from the occupancy list; every change newest first
        Index("ix_reservation_change_date_unit", "date", "unit_id"),
        Index("ix_reservation_change_at", "at"),
    )


# What an absence has become (Absence.status), from its signalling to its justification or withdrawal.
ABSENCE_STATUSES = ("signalled", "submitted", "validated", "refused", "withdrawn")


class Absence(db.Model):
    """An absence signalled for a child over a date range, and where its justification stands.

    status: signalled (no certificate yet) | submitted (certificate received, awaiting an agent) | validated (an
    agent accepted it: its "absent" bookings became "justified", not billed) | refused (an agent refused it with
    `refusal_reason`, e-mailed; the family may send another) | withdrawn (the family withdrew it before its first
    day). `justified_at` is when the certificate was validated; `refused_at` / `refusal_reason` are kept after a
    new certificate, so the agent sees the earlier refusal. `withdrawn_at`: when the family withdrew it, or withdrew
    its days still ahead (the absence then ends on that day and keeps its status). `request_token`: the recap's
    one-time number, so a confirmation sent twice records one absence.
    """

    __tablename__ = "absence"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    justified_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="signalled", server_default="signalled")
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    refused_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    withdrawn_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    request_token: Mapped[Optional[str]] = mapped_column(String(32), unique=True)

    document: Mapped[Optional[Document]] = relationship()

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("status IN (%s)" % ",".join(f"'{s}'" for s in ABSENCE_STATUSES), name="status"),
        # the agents' list: certificates awaiting validation
        Index("ix_absence_status", "status"),
    )
