"""Billing: tariffs as data agents edit (grids by quotient familial band or effort rate, penalties), the families'
QF history, billing runs, invoices and their lines, credit notes (avoirs), payments, and the gap-free counters.

Money is in integer cents everywhere. An issued invoice is never updated (no code path writes its lines or totals):
a correction is a credit note. Only `Invoice.status` moves (unpaid -> paid, or credited), written by
blueprints/billing/service.py when a payment or a credit note is recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from schema.activities import Activity, Unit
from schema.base import UTCDateTime, db, utcnow

TARIFF_KINDS = ("grid", "effort")
# Non-residents pay: the same price, the price times `non_resident_value` per cent, or plus `non_resident_value` cents.
NON_RESIDENT_MODES = ("same", "percent", "add")
# late_booking: booked after the booking deadline (an agent booked it); no_booking: present without a booking (needs
# attendance); unjustified_absence: absent, not cancelled in time and not justified.
PENALTY_KINDS = ("late_booking", "no_booking", "unjustified_absence")
INVOICE_STATUSES = ("unpaid", "paid", "credited")
PAYMENT_METHODS = ("online", "direct_debit", "cash", "cheque", "cesu")
PAYMENT_STATUSES = ("received", "rejected")
RUN_STATUSES = ("running", "done")
COUNTER_KINDS = ("invoice", "credit_note", "receipt")
REMINDER_LEVELS = (1, 2)  # relances: 1 the first (an e-mail, or a letter), 2 the letter that follows
REMINDER_CHANNELS = ("email", "letter")


def _in(column: str, values: tuple[str, ...]) -> str:
    return "%s IN (%s)" % (column, ",".join(f"'{v}'" for v in values))


class Tariff(db.Model):
    """The price of one unit (a slot on a day) of an activity from `valid_from` on, until the next tariff of the same
    activity and unit. `unit_id` NULL: every unit of the activity without a tariff of its own.

    kind "grid": the price of the family's QF band (`bands`, any number); kind "effort": `effort_rate_millis`
    thousandths of a per cent of the QF (0.36 % -> 360), between `floor_cents` and `ceiling_cents`. A family
    without a known QF pays the highest band, or the ceiling. Sibling reductions in per cent for the second child
    and for the third and later (rank by birth date among the family's children billed for the activity that month).
    `pai_price_cents`: the meal price of a child with a PAI who brings a packed lunch (panier repas)."""

    __tablename__ = "tariff"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10), default="grid")
    effort_rate_millis: Mapped[Optional[int]] = mapped_column(Integer)
    floor_cents: Mapped[Optional[int]] = mapped_column(Integer)
    ceiling_cents: Mapped[Optional[int]] = mapped_column(Integer)
    non_resident_mode: Mapped[str] = mapped_column(String(10), default="same")
    non_resident_value: Mapped[int] = mapped_column(Integer, default=0)
    sibling2_percent: Mapped[int] = mapped_column(Integer, default=0)
    sibling3_percent: Mapped[int] = mapped_column(Integer, default=0)
    pai_price_cents: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    activity: Mapped[Activity] = relationship()
    unit: Mapped[Optional[Unit]] = relationship()
    bands: Mapped[list["TariffBand"]] = relationship(
        back_populates="tariff", order_by="TariffBand.qf_min", cascade="all, delete-orphan")
    penalties: Mapped[list["TariffPenalty"]] = relationship(
        back_populates="tariff", order_by="TariffPenalty.kind", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("activity_id", "unit_id", "valid_from"),
        CheckConstraint(_in("kind", TARIFF_KINDS), name="kind"),
        CheckConstraint(_in("non_resident_mode", NON_RESIDENT_MODES), name="non_resident_mode"),
        CheckConstraint("non_resident_value >= 0", name="non_resident_value"),
        CheckConstraint("sibling2_percent BETWEEN 0 AND 100 AND sibling3_percent BETWEEN 0 AND 100", name="siblings"),
        CheckConstraint("effort_rate_millis IS NULL OR effort_rate_millis >= 0", name="effort_rate"),
        CheckConstraint("floor_cents IS NULL OR floor_cents >= 0", name="floor"),
        CheckConstraint("ceiling_cents IS NULL OR ceiling_cents >= 0", name="ceiling"),
        CheckConstraint("pai_price_cents IS NULL OR pai_price_cents >= 0", name="pai_price"),
    )


class TariffBand(db.Model):
    """One QF band of a grid: families whose QF is between `qf_min` and `qf_max` (inclusive; NULL: no upper
    bound) pay `price_cents` per unit."""

    __tablename__ = "tariff_band"
    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id", ondelete="CASCADE"), index=True)
    qf_min: Mapped[int] = mapped_column(Integer, default=0)
    qf_max: Mapped[Optional[int]] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)

    tariff: Mapped[Tariff] = relationship(back_populates="bands")

    __table_args__ = (
        CheckConstraint("qf_min >= 0", name="qf_min"),
        CheckConstraint("qf_max IS NULL OR qf_max >= qf_min", name="qf_max"),
        CheckConstraint("price_cents >= 0", name="price"),
    )


class TariffPenalty(db.Model):
    """A penalty of a tariff: `amount_cents` plus `percent` per cent of the unit's price, per unit concerned."""

    __tablename__ = "tariff_penalty"
    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int] = mapped_column(Integer, default=0)

    tariff: Mapped[Tariff] = relationship(back_populates="penalties")

    __table_args__ = (
        UniqueConstraint("tariff_id", "kind"),
        CheckConstraint(_in("kind", PENALTY_KINDS), name="kind"),
        CheckConstraint("amount_cents >= 0 AND percent >= 0 AND percent <= 1000", name="amounts"),
    )


class QuotientRecord(db.Model):
    """The family's quotient familial as it was known: `quotient` (None: unknown) from `start_date` (written on the
    attestation), recorded at `recorded_at`. Billing uses, for a month, the last record known before that month
    began: a change applies from the next month, never retroactively."""

    __tablename__ = "quotient_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    quotient: Mapped[Optional[int]] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="")
    start_date: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    family = relationship("Family")

    __table_args__ = (CheckConstraint("quotient IS NULL OR quotient >= 0", name="quotient"),)


class BillingCounter(db.Model):
    """The last number given per kind (invoice, credit_note, receipt) and year: bumped in the transaction that
    writes the numbered row, so a rolled-back write gives its number back (numbers without gaps)."""

    __tablename__ = "billing_counter"
    kind: Mapped[str] = mapped_column(String(15), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint(_in("kind", COUNTER_KINDS), name="kind"),)


class BillingRun(db.Model):
    """The issue of a month's invoices. `active` is 1 while it runs and NULL after (unique: a second run at the same
    time is refused by the database itself). A killed run keeps `active`; it is resumed (same row) once its
    `heartbeat_at` is old, and families already invoiced for the month are skipped (Invoice is unique per family and
    month)."""

    __tablename__ = "billing_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="running")
    active: Mapped[Optional[int]] = mapped_column(Integer, unique=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    started_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    families_total: Mapped[int] = mapped_column(Integer, default=0)
    families_done: Mapped[int] = mapped_column(Integer, default=0)
    invoices_count: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint("active IS NULL OR active = 1", name="active"),
    )


class Invoice(db.Model):
    """A family's invoice for a month: "F-2026-000123" (per year, no gap), the family's name and address as they were
    at issue, its lines, total and due date. Never updated once issued, except `status`."""

    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="RESTRICT"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("billing_run.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[dt.date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="unpaid")
    family_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    quotient: Mapped[Optional[int]] = mapped_column(Integer)  # the QF used (None: unknown)
    resident: Mapped[bool] = mapped_column(Boolean, default=True)

    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("family_id", "month"),
        CheckConstraint(_in("status", INVOICE_STATUSES), name="status"),
        CheckConstraint("total_cents >= 0", name="total"),
        Index("ix_invoice_status_due", "status", "due_date"),
    )


class InvoiceLine(db.Model):
    """One line: a child, an activity's unit, what (booking, PAI meal, a penalty), the days (ISO dates, comma
    separated), quantity x unit price = amount, the QF band or effort rate used in words."""

    __tablename__ = "invoice_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    child_name: Mapped[str] = mapped_column(String(201), default="")
    activity_id: Mapped[Optional[int]] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    activity_name: Mapped[str] = mapped_column(String(120), default="")
    unit_label: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default="booking")
    dates: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    pricing: Mapped[str] = mapped_column(String(200), default="")  # "QF de 623 à 1 000", "0,36 % du QF"...

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = (CheckConstraint("quantity >= 0 AND amount_cents >= 0", name="amounts"),)


class CreditNote(db.Model):
    """An avoir: money given back to the family, on an invoice (a correction) or not. "AV-2026-000012"."""

    __tablename__ = "credit_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    invoice: Mapped[Optional[Invoice]] = relationship()

    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount"),)


class Payment(db.Model):
    """Money received from a family: online (PayFiP), direct debit, cash, cheque or CESU, identified by its `method`
    and `reference` (the bank's transaction, the cheque number, a receipt number: unique together, so a payment
    recorded twice is recorded once), allocated to `invoice_id` when it pays an invoice. `status` "rejected" (a
    direct debit rejected by the bank): it no longer counts. `receipt_number`: the counter receipt ("R-2026-000004")."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(15))
    reference: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="received")
    receipt_number: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")

    invoice: Mapped[Optional[Invoice]] = relationship()

    __table_args__ = (
        UniqueConstraint("method", "reference"),
        CheckConstraint(_in("method", PAYMENT_METHODS), name="method"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status"),
        CheckConstraint("amount_cents > 0", name="amount"),
    )


class InvoiceReminder(db.Model):
    """A relance of a late invoice, sent by an agent of the régie: level 1 (an e-mail to the family's logins, or a
    letter when none takes invoice e-mails), level 2 (a letter, some days after the first). Unique (invoice, level):
    a level is never sent twice, whatever the double clicks. `left_cents`: what was left to pay when it was sent
    (the letter says it); `emails`: how many e-mails left; `batch`: the agent's sending (its letters print
    together)."""

    __tablename__ = "invoice_reminder"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"))  # indexed by the unique
    level: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    left_cents: Mapped[int] = mapped_column(Integer)
    emails: Mapped[int] = mapped_column(Integer, default=0)
    batch: Mapped[str] = mapped_column(String(32), index=True)

    invoice: Mapped[Invoice] = relationship()

    __table_args__ = (
        UniqueConstraint("invoice_id", "level"),
        CheckConstraint("level IN (1,2)", name="level"),
        CheckConstraint(_in("channel", REMINDER_CHANNELS), name="channel"),
        CheckConstraint("left_cents > 0", name="left"),
    )


# --------------------------------------------------------------------------- QF history, kept by itself


@event.listens_for(Session, "before_flush")
def _record_quotient_changes(session, _flush_context, _instances) -> None:
    """Every write of a family's QF (a démarche accepted, an agent's edit, a new file) adds its QuotientRecord in the
    same transaction, so the history billing needs cannot be forgotten by any code path."""
    from schema.families import Family

    for family in list(session.new) + list(session.dirty):
        if not isinstance(family, Family):
            continue
        state = inspect(family)
        if family in session.new:
            changed = family.quotient_familial is not None
        else:
            changed = any(state.attrs[name].history.has_changes()
                          for name in ("quotient_familial", "qf_start_date", "qf_source"))
        if not changed:
            continue
        now = _now()
        session.add(QuotientRecord(family=family, quotient=family.quotient_familial, source=family.qf_source or "",
                                   start_date=family.qf_start_date or now.date(), recorded_at=now))


def _now() -> dt.datetime:
    from flask import has_app_context

    if has_app_context():
        import clock

        return clock.now()
    return utcnow()
