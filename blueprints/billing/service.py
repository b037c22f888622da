"""Billing against the database: numbers, payments, credit notes, balances, tariffs, the billing run.

Stable API for other domains (online payment, direct debit, attestation fiscale):
- `record_payment(invoice, amount_cents, method, reference, now, *, actor_id=None, note="") -> Payment`: idempotent
  on (method, reference); flushes; raises PaymentRefused(code).
- `family_balance(family_id) -> Balance` (invoiced, credited, paid, due), `invoice_due_cents(invoice) -> int`.
- `issue_credit_note(invoice_or_None, family_id, amount_cents, reason, now, *, actor_id=None) -> CreditNote`.
Functions flush; callers commit (the billing run commits per family itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from blueprints.billing import rules
from models import BillingCounter, CreditNote, Invoice, Payment, db
from schema.billing import PAYMENT_METHODS

COUNTER_METHODS = ("cash", "cheque", "cesu")  # recorded at the counter by an agent, with a receipt


class PaymentRefused(Exception):
    """A payment that cannot be recorded (a code wording.PAYMENT_REFUSED says in French)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- numbers


def next_number(kind: str, year: int) -> str:
    """The next number of `kind` (invoice, credit_note, receipt) in `year`, taken in the current transaction: the
    counter row is created if needed (INSERT ... ON CONFLICT DO NOTHING) then bumped with UPDATE ... RETURNING, which
    holds PostgreSQL's row lock (SQLite's write lock) until the transaction ends. A rolled-back write gives its number
    back: no gap, no duplicate."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(BillingCounter).values(kind=kind, year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["kind", "year"]))
    last = db.session.execute(
        update(BillingCounter).where(BillingCounter.kind == kind, BillingCounter.year == year)
        .values(last=BillingCounter.last + 1).returning(BillingCounter.last)).scalar_one()
    return rules.format_number(kind, year, last)


# --------------------------------------------------------------------------- balances


@dataclass(frozen=True)
class Balance:
    invoiced_cents: int
    credited_cents: int
    paid_cents: int

    @property
    def due_cents(self) -> int:
        """What the family owes (negative: the commune owes the family)."""
        return self.invoiced_cents - self.credited_cents - self.paid_cents


def family_balance(family_id: int) -> Balance:
    """The family account: every invoice, credit note and payment received (rejected payments do not count)."""
    invoiced = db.session.execute(select(func.coalesce(func.sum(Invoice.total_cents), 0))
                                  .where(Invoice.family_id == family_id)).scalar_one()
    credited = db.session.execute(select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
                                  .where(CreditNote.family_id == family_id)).scalar_one()
    paid = db.session.execute(select(func.coalesce(func.sum(Payment.amount_cents), 0))
                              .where(Payment.family_id == family_id, Payment.status == "received")).scalar_one()
    return Balance(int(invoiced), int(credited), int(paid))


def invoice_settled_cents(invoice_ids) -> dict[int, int]:
    """invoice id -> credit notes plus payments received on it."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    settled = dict.fromkeys(ids, 0)
    for invoice_id, total in db.session.execute(
            select(CreditNote.invoice_id, func.sum(CreditNote.amount_cents))
            .where(CreditNote.invoice_id.in_(ids)).group_by(CreditNote.invoice_id)):
        settled[invoice_id] += int(total)
    for invoice_id, total in db.session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_cents))
            .where(Payment.invoice_id.in_(ids), Payment.status == "received").group_by(Payment.invoice_id)):
        settled[invoice_id] += int(total)
    return settled


def invoice_due_cents(invoice: Invoice) -> int:
    """What is left to pay on an invoice (never negative)."""
    return max(invoice.total_cents - invoice_settled_cents([invoice.id])[invoice.id], 0)


def _credited_cents(invoice: Invoice) -> int:
    return int(db.session.execute(select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
                                  .where(CreditNote.invoice_id == invoice.id)).scalar_one())


def refresh_status(invoice: Invoice) -> str:
    """Set the invoice's status from what settles it: "credited" (credit notes cover it), "paid", else "unpaid".
    The one write to an issued invoice (its lines and amounts are never updated)."""
    db.session.flush()
    credited = _credited_cents(invoice)
    due = invoice_due_cents(invoice)
    status = "credited" if credited >= invoice.total_cents else ("paid" if due <= 0 else "unpaid")
    if status != invoice.status:
        db.session.execute(update(Invoice).where(Invoice.id == invoice.id).values(status=status))
        db.session.refresh(invoice, ["status"])
    return status


# --------------------------------------------------------------------------- payments


def record_payment(invoice: Invoice, amount_cents: int, method: str, reference: str, now: dt.datetime, *,
                   actor_id: int | None = None, note: str = "") -> Payment:
    """Record money received for `invoice`, once: the same (method, reference) recorded again returns the first
    payment (a replayed notification, a form sent twice), or refuses ("reference_conflict") when it does not say the
    same invoice and amount. Refused: a method unknown, an amount not a whole positive number of cents or above what
    is left to pay ("too_much"), an empty or too long reference, an invoice fully settled ("settled").
    Counter methods (cash, cheque, CESU) get a receipt number. Flushes; the caller commits."""
    if method not in PAYMENT_METHODS:
        raise PaymentRefused("method")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PaymentRefused("amount")
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise PaymentRefused("reference")
    existing = _payment_by_reference(method, reference)
    if existing is not None:
        return _same_or_refused(existing, invoice, amount_cents)
    due = invoice_due_cents(invoice)
    if due <= 0:
        raise PaymentRefused("settled")
    if amount_cents > due:
        raise PaymentRefused("too_much")
    payment = Payment(family_id=invoice.family_id, invoice_id=invoice.id, amount_cents=amount_cents, method=method,
                      reference=reference, received_at=now, recorded_by_id=actor_id, note=(note or "")[:300])
    try:
        with db.session.begin_nested():
            if method in COUNTER_METHODS:
                payment.receipt_number = next_number("receipt", now.astimezone(rules.PARIS).year)
            db.session.add(payment)
    except IntegrityError:  # the same reference recorded meanwhile by another request
        existing = _payment_by_reference(method, reference)
        if existing is None:
            raise
        return _same_or_refused(existing, invoice, amount_cents)
    refresh_status(invoice)
    return payment


def _payment_by_reference(method: str, reference: str) -> Payment | None:
    return db.session.execute(select(Payment).where(Payment.method == method, Payment.reference == reference)
                              ).scalar_one_or_none()


def _same_or_refused(existing: Payment, invoice: Invoice, amount_cents: int) -> Payment:
    if existing.invoice_id != invoice.id or existing.amount_cents != amount_cents:
        raise PaymentRefused("reference_conflict")
    return existing


# --------------------------------------------------------------------------- credit notes


def issue_credit_note(invoice: Invoice | None, family_id: int, amount_cents: int, reason: str, now: dt.datetime, *,
                      actor_id: int | None = None) -> CreditNote:
    """A credit note (avoir) for the family, on an invoice (at most what is left to pay on it: "too_much") or on
    the family account. The reason is required. Flushes; the caller commits."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PaymentRefused("amount")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused("reason")
    if invoice is not None:
        if invoice.family_id != family_id:
            raise PaymentRefused("family")
        if amount_cents > invoice_due_cents(invoice):
            raise PaymentRefused("too_much")
    note = CreditNote(number=next_number("credit_note", now.astimezone(rules.PARIS).year), family_id=family_id,
                      invoice_id=invoice.id if invoice else None, amount_cents=amount_cents, reason=reason[:300],
                      issued_at=now, created_by_id=actor_id)
    db.session.add(note)
    if invoice is not None:
        refresh_status(invoice)
    else:
        db.session.flush()
    return note
