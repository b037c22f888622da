"""Direct debit against the database: mandates (made when an agent accepts the "prélèvement automatique"
démarche), the collections of a due date exported as one SEPA file, and the bank's rejects.

An exported collection records billing's payment (method "direct_debit", reference its end-to-end id: recorded once);
a reject marks that payment "rejected" and billing's `refresh_status` puts the invoice back to unpaid; the family is
told by e-mail (a link only). Functions flush; the route commits, then sends the e-mails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from blueprints.billing import service as billing
from blueprints.payments import sepa
from models import DirectDebit, DirectDebitBatch, Family, Invoice, Mandate, Payment, db


class DebitRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def creditor() -> sepa.Creditor:
    """The commune's creditor account and ICS, from PAYMENT_SEPA_* (checked at start-up)."""
    cfg = current_app.config
    return sepa.Creditor(cfg["PAYMENT_SEPA_NAME"], cfg["PAYMENT_SEPA_IBAN"], cfg["PAYMENT_SEPA_BIC"],
                         cfg["PAYMENT_SEPA_ICS"])


def active_mandate(family_id: int) -> Mandate | None:
    return db.session.execute(select(Mandate).where(Mandate.family_id == family_id, Mandate.status == "active")
                              .order_by(Mandate.id.desc())).scalars().first()


def create_mandate(family: Family, holder: str, iban: str, bic: str, signed_on: dt.date, now: dt.datetime, *,
                   actor_id: int | None = None, request_id: int | None = None) -> Mandate:
    """The family's new mandate (the previous one revoked). Raises DebitRefused(problem) for an account the rules
    refuse (the démarche's form checked it already; the file may have been edited since)."""
    account, problem = sepa.check_account(iban, bic)
    if problem:
        raise DebitRefused(problem)
    for old in db.session.execute(select(Mandate).where(Mandate.family_id == family.id,
                                                        Mandate.status == "active")).scalars():
        old.status, old.revoked_at = "revoked", now
    for _try in range(5):
        mandate = Mandate(family_id=family.id, rum=sepa.new_rum(family.dossier_number, signed_on),
                          holder=holder.strip()[:70], iban=account.iban, bic=account.bic, signed_on=signed_on,
                          status="active", request_id=request_id, created_at=now, created_by_id=actor_id)
        try:
            with db.session.begin_nested():
                db.session.add(mandate)
            return mandate
        except IntegrityError:  # a RUM clash: another token
            continue
    raise DebitRefused("rum")


def revoke_mandate(mandate: Mandate, now: dt.datetime) -> None:
    mandate.status, mandate.revoked_at = "revoked", now
    db.session.flush()


@dataclass
class Due:
    invoice: Invoice
    mandate: Mandate
    amount_cents: int
    sequence: str


def due_collections(due_date: dt.date) -> list[Due]:
    """The unpaid invoices due on `due_date` of families with an active mandate, not yet in a batch (or whose
    collection was rejected: those are paid otherwise, never collected twice automatically)."""
    already = select(DirectDebit.invoice_id)
    rows = db.session.execute(
        select(Invoice, Mandate).join(Mandate, (Mandate.family_id == Invoice.family_id) & (Mandate.status == "active"))
        .where(Invoice.due_date == due_date, Invoice.status == "unpaid", Invoice.id.not_in(already))
        .order_by(Invoice.number)).all()
    result = []
    for invoice, mandate in rows:
        amount = billing.invoice_due_cents(invoice)
        if amount > 0:
            result.append(Due(invoice, mandate, amount, sepa.sequence(mandate.first_collected_on is not None)))
    return result


def due_dates() -> list[dt.date]:
    """The due dates of unpaid invoices of families with an active mandate, soonest first."""
    return list(db.session.execute(
        select(Invoice.due_date).join(Mandate, (Mandate.family_id == Invoice.family_id) & (Mandate.status == "active"))
        .where(Invoice.status == "unpaid").distinct().order_by(Invoice.due_date)).scalars())


def export(due_date: dt.date, now: dt.datetime, actor_id: int | None, exporter_name: str = "pain008"
           ) -> DirectDebitBatch:
    """Export the due date's collections as one file, record each as a payment (once), mark first collections.
    Raises DebitRefused("empty") when there is nothing to collect."""
    dues = due_collections(due_date)
    if not dues:
        raise DebitRefused("empty")
    batch = DirectDebitBatch(due_date=due_date, exporter=exporter_name, created_at=now, created_by_id=actor_id)
    db.session.add(batch)
    db.session.flush()
    collections = []
    for n, due in enumerate(dues, start=1):
        e2e = f"PRLV-{batch.id}-{n}-{due.invoice.id}"[:35]
        debit = DirectDebit(batch_id=batch.id, invoice_id=due.invoice.id, mandate_id=due.mandate.id,
                            end_to_end_id=e2e, sequence=due.sequence, amount_cents=due.amount_cents)
        db.session.add(debit)
        payment = billing.record_payment(due.invoice, due.amount_cents, "direct_debit", e2e, now, actor_id=actor_id,
                                         note=f"Prélèvement du {due_date:%d/%m/%Y}")
        debit.payment_id = payment.id
        if due.mandate.first_collected_on is None:
            due.mandate.first_collected_on = due_date
        collections.append(sepa.Collection(e2e, due.mandate.holder, due.mandate.iban, due.mandate.bic, due.mandate.rum,
                                           due.mandate.signed_on, due.sequence, due.amount_cents,
                                           f"Facture {due.invoice.number}"))
    content = sepa.EXPORTERS[exporter_name]().export(creditor(), due_date, collections)
    batch.content = content.decode("utf-8")
    batch.count, batch.total_cents = len(collections), sum(c.amount_cents for c in collections)
    db.session.flush()
    return batch


def reject(debit: DirectDebit, reason: str, now: dt.datetime, actor_id: int | None) -> Invoice:
    """The bank rejected this collection: its payment no longer counts, the invoice is unpaid again. Once only
    (DebitRefused("already_rejected")). The caller tells the family."""
    reason = (reason or "").strip()
    if not reason:
        raise DebitRefused("reason")
    moved = db.session.execute(update(DirectDebit).where(DirectDebit.id == debit.id, DirectDebit.status == "exported")
                               .values(status="rejected", rejected_at=now, reject_reason=reason[:200],
                                       rejected_by_id=actor_id)).rowcount
    if moved != 1:
        raise DebitRefused("already_rejected")
    if debit.payment_id:
        # billing's Payment.status "rejected" (its documented meaning: a direct debit rejected by the bank)
        db.session.execute(update(Payment).where(Payment.id == debit.payment_id).values(status="rejected"))
    invoice = db.session.get(Invoice, debit.invoice_id)
    billing.refresh_status(invoice)
    db.session.refresh(debit)
    return invoice


def batches(limit: int = 50) -> list[DirectDebitBatch]:
    return list(db.session.execute(select(DirectDebitBatch).order_by(DirectDebitBatch.id.desc()).limit(limit))
                .scalars())


def scheduled_for(invoice_ids) -> dict[int, dt.date]:
    """invoice id -> the due date it is (or was) collected on, for "prélèvement prévu le…"."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(DirectDebit.invoice_id, DirectDebitBatch.due_date).join(DirectDebitBatch)
                              .where(DirectDebit.invoice_id.in_(ids), DirectDebit.status == "exported"))
    return dict(rows.all())
