"""Facture dématérialisée: the family's choice (made by the démarche "Facture en ligne", applied at once), the
e-mail "a new invoice is available" that billing's run asks for once an invoice is issued (`notify_issued`, the hook
it calls), and the paper batch: the invoices of a month for the families who did not choose e-mail.

The e-mail holds a link only (no amount, no name). Each invoice is mailed once: an InvoiceMail row (unique invoice)
is claimed before sending, so a resumed or repeated run never mails twice.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import mail
from blueprints.notify import mail_family
from models import Family, Invoice, InvoiceMail, InvoicePreference, db


def is_paperless(family_id: int) -> bool:
    row = db.session.get(InvoicePreference, family_id)
    return bool(row and row.paperless)


def set_choice(family: Family, paperless: bool, now: dt.datetime, request_id: int | None = None) -> None:
    """Record the family's choice (flush)."""
    row = db.session.get(InvoicePreference, family.id)
    if row is None:
        row = InvoicePreference(family_id=family.id)
        db.session.add(row)
    row.paperless, row.changed_at, row.request_id = bool(paperless), now, request_id
    db.session.flush()


def paperless_families(family_ids) -> set[int]:
    ids = list(family_ids)
    if not ids:
        return set()
    return set(db.session.execute(select(InvoicePreference.family_id).where(
        InvoicePreference.family_id.in_(ids), InvoicePreference.paperless.is_(True))).scalars())


def _invoice_link(invoice_id: int) -> str:
    """The invoice's page, on PUBLIC_URL (a run in a thread or the CLI has no request: one is made for the URL)."""
    if has_request_context():
        return mail.external_url("billing.my_invoice", invoice_id=invoice_id)
    base = current_app.config.get("PUBLIC_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        return mail.external_url("billing.my_invoice", invoice_id=invoice_id)


def notify_issued(invoice_ids, now: dt.datetime) -> int:
    """Hook for billing's run, after its commits: e-mail the opted-in families of these invoices, each invoice once.
    Returns how many invoices were announced. Commits its own claims."""
    invoices = list(db.session.execute(select(Invoice).where(Invoice.id.in_(list(invoice_ids)))).scalars()) \
        if invoice_ids else []
    chosen = paperless_families({i.family_id for i in invoices})
    sent = 0
    for invoice in invoices:
        if invoice.family_id not in chosen:
            continue
        claim = InvoiceMail(invoice_id=invoice.id, claimed_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(claim)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue  # already announced
        if mail_family(invoice.family_id, _("Votre nouvelle facture est disponible"), "payments/mail_invoice",
                       kind="invoices", link=_invoice_link(invoice.id)):
            claim.sent_at = now
            db.session.commit()
            sent += 1
    return sent


def notify_run(run_id: int, now: dt.datetime) -> int:
    """notify_issued for every invoice of a billing run (what the run calls when it closes)."""
    ids = list(db.session.execute(select(Invoice.id).where(Invoice.run_id == run_id)).scalars())
    return notify_issued(ids, now)


def paper_batch(month: dt.date) -> list[Invoice]:
    """The month's invoices of the families who did not choose e-mail, in number order: the ones to print."""
    paperless = select(InvoicePreference.family_id).where(InvoicePreference.paperless.is_(True))
    return list(db.session.execute(select(Invoice).where(Invoice.month == month,
                                                         Invoice.family_id.not_in(paperless))
                                   .order_by(Invoice.number)).scalars())


def invoice_months() -> list[dt.date]:
    return list(db.session.execute(select(Invoice.month).distinct().order_by(Invoice.month.desc())).scalars())
