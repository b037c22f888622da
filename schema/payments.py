"""Online payment (PayFiP): one `PaymentAttempt` per trip of a parent to the bank, and `PaymentNotice`, the log of
every notification and return that mentioned one (or claimed to), whatever came of it.

Money is in integer cents. An attempt is paid at most once: its status moves to "paid" with an UPDATE that matches
the status read, and the payment it records (billing's `Payment`, method "online") carries the attempt's `refdet`
as its reference, unique per method: a notification replayed, late or simultaneous never credits twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
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


# --------------------------------------------------------------------------- direct debit (prélèvement)

MANDATE_STATUSES = ("active", "revoked")
DEBIT_STATUSES = ("exported", "rejected")


class Mandate(db.Model):
    """A family's SEPA direct-debit mandate, made when an agent accepts the "prélèvement automatique" démarche: the
    account holder, IBAN and BIC as given, the signature date, and our reference `rum` (unique, never derived from
    the IBAN). One active mandate per family: a new one revokes the previous (and starts again with FRST).
    `first_collected_on`: the due date of its first collection (None: the next one is FRST)."""

    __tablename__ = "mandate"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="RESTRICT"), index=True)
    rum: Mapped[str] = mapped_column(String(35), unique=True)
    holder: Mapped[str] = mapped_column(String(70))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")
    request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("procedure_request.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    first_collected_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint(_in("status", MANDATE_STATUSES), name="status"),)


class DirectDebitBatch(db.Model):
    """The collections of one due date, exported as one file (`content`, kept to download again) by `exporter`."""

    __tablename__ = "direct_debit_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    exporter: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    count: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[str] = mapped_column(Text, default="")

    debits: Mapped[list["DirectDebit"]] = relationship(back_populates="batch", order_by="DirectDebit.id")


class DirectDebit(db.Model):
    """One invoice collected by direct debit in a batch: the mandate, FRST or RCUR, the amount, our end-to-end id
    (the payment's reference), and, if the bank rejects it, when and why (the invoice is then unpaid again)."""

    __tablename__ = "direct_debit"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("direct_debit_batch.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payment.id", ondelete="SET NULL"))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    sequence: Mapped[str] = mapped_column(String(4))
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="exported")
    rejected_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    rejected_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    batch: Mapped[DirectDebitBatch] = relationship(back_populates="debits")
    mandate: Mapped[Mandate] = relationship()

    __table_args__ = (
        CheckConstraint(_in("status", DEBIT_STATUSES), name="status"),
        CheckConstraint("sequence IN ('FRST','RCUR')", name="sequence"),
        CheckConstraint("amount_cents > 0", name="amount"),
    )


# --------------------------------------------------------------------------- facture dématérialisée


class InvoicePreference(db.Model):
    """Whether the family receives its invoices by e-mail only (facture dématérialisée), as chosen by the démarche
    "Facture en ligne". No row: paper (the invoice is in the agents' printable batch)."""

    __tablename__ = "invoice_preference"
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    paperless: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("procedure_request.id", ondelete="SET NULL"))


class InvoiceMail(db.Model):
    """The e-mail "a new invoice is available" of an invoice, once (unique invoice: a resumed run never mails
    twice). `sent_at` None: claimed but the mail failed (sent again next time)."""

    __tablename__ = "invoice_mail"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), unique=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
