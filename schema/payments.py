"""Online payment (PayFiP): one `PaymentAttempt` per trip of a parent to the bank, and `PaymentNotice`, the log of
every notification and return that mentioned one (or claimed to), whatever came of it.

Money is in integer cents. An attempt is paid at most once: its status moves to "paid" with an UPDATE that matches
the status read, and the payment it records (billing's `Payment`, method "online") carries the attempt's `refdet`
as its reference, unique per method: a notification replayed, late or simultaneous never credits twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow

# created: the parent was sent to the bank; paid, refused, abandoned: what the bank said; expired: the bank never
# answered within its 15 minutes and the attempt was closed (a late "paid" still counts, see payments/rules.py).
ATTEMPT_STATUSES = ("created", "paid", "refused", "abandoned", "expired")
NOTICE_SOURCES = ("notification", "return")


def _in(column: str, values: tuple[str, ...]) -> str:
    return "%s IN (%s)" % (column, ",".join(f"'{v}'" for v in values))


class PaymentAttempt(db.Model):
    """A parent's payment of an invoice at the bank. `refdet` (1 to 30 letters and digits) is our reference, sent
    to the bank and unique; `idop` is the bank's operation id, known once the bank accepted the request. `amount_cents`
    is what was asked: a bank answer with another amount is never credited. `payment_id`: the payment recorded."""

    __tablename__ = "payment_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    refdet: Mapped[str] = mapped_column(String(30), unique=True)
    idop: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254))
    backend: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="created")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payment.id", ondelete="SET NULL"))
    receipt_sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    notices: Mapped[list["PaymentNotice"]] = relationship(
        back_populates="attempt", order_by="PaymentNotice.id", passive_deletes=True)

    __table_args__ = (
        CheckConstraint(_in("status", ATTEMPT_STATUSES), name="status"),
        CheckConstraint("amount_cents > 0", name="amount"),
        Index("ix_payment_attempt_invoice_status", "invoice_id", "status"),
    )


class PaymentNotice(db.Model):
    """One notification from the bank (server to server) or one return of the parent's browser: the idop it named,
    where it came from, what the bank said when asked back, and what we did (`outcome`, a code of payments/rules.py:
    credited, duplicate, unknown, wrong_amount...). Nothing is ever credited from the notice's own content."""

    __tablename__ = "payment_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("payment_attempt.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(15))
    idop: Mapped[str] = mapped_column(String(64), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    bank_result: Mapped[str] = mapped_column(String(15), default="")
    bank_amount_cents: Mapped[Optional[int]] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Optional[PaymentAttempt]] = relationship(back_populates="notices")

    __table_args__ = (CheckConstraint(_in("source", NOTICE_SOURCES), name="source"),)
