"""Relances of late invoices against the database: the unpaid list with each invoice's relances and next step, the
relances an agent sends (recorded once per invoice and level, then the e-mails), and the letters to print.

The flow of a sending (blueprints/billing/dunning_views.py): `plan` says, for the invoices ticked, which relance
each one is due or why none; `record` writes an InvoiceReminder per relance due (flush; a level recorded meanwhile by
another request is skipped: unique (invoice, level)); the route commits; `send_emails` mails the families of the
e-mail relances and removes the record of a relance no e-mail could carry; the route commits again."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

import mail
from blueprints.billing import dunning_rules, service, wording
from blueprints.billing.dunning_rules import Sent, Step
from blueprints.notify import families_addresses, mail_family
from models import DirectDebit, Family, Invoice, InvoiceReminder, Mandate, db

EMAIL_KIND = "invoices"  # the notification preference of "Mon espace" that invoice e-mails respect


def letter_after_days() -> int:
    """How many days after the first relance the letter may go (INVOICE_LETTER_AFTER_DAYS, 15 by default)."""
    value = current_app.config.get("INVOICE_LETTER_AFTER_DAYS")
    return dunning_rules.LETTER_AFTER_DAYS if value is None else int(value)


def reminders_of(invoice_ids) -> dict[int, list[InvoiceReminder]]:
    """invoice id -> its relances, the first level first (one query)."""
    ids = list(invoice_ids)
    found: dict[int, list[InvoiceReminder]] = defaultdict(list)
    if ids:
        for row in db.session.execute(select(InvoiceReminder).where(InvoiceReminder.invoice_id.in_(ids))
                                      .order_by(InvoiceReminder.invoice_id, InvoiceReminder.level)).scalars():
            found[row.invoice_id].append(row)
    return found


def families_with_email(family_ids) -> set[int]:
    """The families (of `family_ids`) with an active login that did not turn invoice e-mails off (one query: the
    addressees notify.mail_family writes to)."""
    return set(families_addresses(family_ids, EMAIL_KIND))


def collected_by_debit(invoice_ids, today: dt.date) -> set[int]:
    """The invoices (of `invoice_ids`) an active mandate of their family will collect: signed by their due date,
    never in a direct-debit file yet (payments/debits.due_collections takes them with their due date's file; a
    rejected one is not taken again), and not more than DEBIT_PENDING_DAYS past their due date (1 query)."""
    ids = list(invoice_ids)
    if not ids:
        return set()
    return set(db.session.execute(
        select(Invoice.id).join(Mandate, (Mandate.family_id == Invoice.family_id) & (Mandate.status == "active"))
        .where(Invoice.id.in_(ids), Mandate.signed_on <= Invoice.due_date,
               Invoice.due_date >= today - dt.timedelta(days=dunning_rules.DEBIT_PENDING_DAYS),
               ~exists().where(DirectDebit.invoice_id == Invoice.id))).scalars())


# An e-mail relance recorded but still without an e-mail this long after (the process sending it was killed): it
# was not sent; it may be sent again.
STALE_AFTER = dt.timedelta(minutes=10)


def _stale(row: InvoiceReminder, now: dt.datetime) -> bool:
    return row.channel == "email" and not row.emails and now - row.sent_at > STALE_AFTER


def _sent(rows: list[InvoiceReminder], now: dt.datetime) -> list[Sent]:
    return [Sent(r.level, r.channel, dunning_rules.sent_day(r.sent_at)) for r in rows if not _stale(r, now)]


@dataclass(frozen=True)
class Row:
    """A line of the unpaid list: the invoice (service.InvoiceView), its family, its relances and the next one."""

    view: service.InvoiceView
    family: Family
    sent: list[InvoiceReminder]
    step: Step


def unpaid_rows(today: dt.date, now: dt.datetime) -> list[Row]:
    """The unpaid invoices (service.unpaid_invoices) with their relances and next step, in five queries: those a
    relance is due for first, then the others, each by oldest due date."""
    rows = service.unpaid_invoices(today)
    sent = reminders_of(view.invoice.id for view, _family in rows)
    emailable = families_with_email({family.id for _view, family in rows})
    by_debit = collected_by_debit((view.invoice.id for view, _family in rows), today)
    days = letter_after_days()
    found = [Row(view, family, sent.get(view.invoice.id, []),
                dunning_rules.next_step(view.invoice.status, view.due_cents, view.invoice.due_date, today,
                                        _sent(sent.get(view.invoice.id, []), now), family.id in emailable, days,
                                        by_debit=view.invoice.id in by_debit))
             for view, family in rows]
    return sorted(found, key=lambda row: not row.step.due)  # the ones to send first, each group by due date


def due_ids(today: dt.date, now: dt.datetime) -> list[int]:
    """The ids of every invoice a relance is due for today (what "Relancer toutes" sends)."""
    return [row.view.invoice.id for row in unpaid_rows(today, now) if row.step.due]


@dataclass
class Plan:
    """What a sending will do: `due` [(invoice, left_cents, step)], `refused` [(invoice or None, id, step or None)]
    (None: no such invoice), `repeated` the invoices whose relance this very sending (`batch`) already recorded."""

    due: list[tuple[Invoice, int, Step]] = field(default_factory=list)
    refused: list[tuple[Invoice | None, int, Step | None]] = field(default_factory=list)
    repeated: list[Invoice] = field(default_factory=list)


def plan(invoice_ids, today: dt.date, batch: str, now: dt.datetime) -> Plan:
    """Check each invoice asked (in the order asked, each once) on the server: a paid or credited one, one not late,
    one whose letter is not due yet, or an id that is no invoice, is refused with its reason. A relance already
    recorded by this same sending (a double click, a replayed form) is `repeated`, not refused."""
    ids = list(dict.fromkeys(invoice_ids))
    invoices = {i.id: i for i in db.session.execute(select(Invoice).where(Invoice.id.in_(ids))).scalars()} \
        if ids else {}
    settled = service.invoice_settled_cents(invoices)
    sent = reminders_of(invoices)
    emailable = families_with_email({i.family_id for i in invoices.values()})
    by_debit = collected_by_debit(invoices, today)
    days = letter_after_days()
    result = Plan()
    for invoice_id in ids:
        invoice = invoices.get(invoice_id)
        if invoice is None:
            result.refused.append((None, invoice_id, None))
            continue
        left = max(invoice.total_cents - settled.get(invoice.id, 0), 0)
        rows = sent.get(invoice.id, [])
        if any(r.batch == batch for r in rows):  # this very sending already did it (a double click, a replay)
            result.repeated.append(invoice)
            continue
        step = dunning_rules.next_step(invoice.status, left, invoice.due_date, today, _sent(rows, now),
                                       invoice.family_id in emailable, days, by_debit=invoice.id in by_debit)
        if step.due:
            result.due.append((invoice, left, step))
        else:
            result.refused.append((invoice, invoice_id, step))
    return result


def record(due: list[tuple[Invoice, int, Step]], now: dt.datetime, actor_id: int | None,
           batch: str) -> list[InvoiceReminder]:
    """Write the relances of `due` (Plan.due). A level another request recorded meanwhile is skipped (never twice).
    Flushes; the caller commits, then calls send_emails."""
    recorded = []
    for invoice, left, step in due:
        row = InvoiceReminder(invoice_id=invoice.id, level=step.level, channel=step.channel, sent_at=now,
                              sent_by_id=actor_id, left_cents=left, emails=0, batch=batch)
        try:
            with db.session.begin_nested():
                db.session.execute(delete(InvoiceReminder).where(  # an e-mail relance that never left (_stale)
                    InvoiceReminder.invoice_id == invoice.id, InvoiceReminder.level == step.level,
                    InvoiceReminder.channel == "email", InvoiceReminder.emails == 0,
                    InvoiceReminder.sent_at < now - STALE_AFTER))
                db.session.add(row)
        except IntegrityError:
            continue
        recorded.append(row)
    return recorded


def send_email(row: InvoiceReminder) -> bool:
    """E-mail the family of an e-mail relance (already committed); a relance no e-mail carried (every address
    failed, or none is left) is deleted, so that it can be sent again. The caller commits after each one, so that
    a process killed in the middle of a sending leaves each relance as it is (sent, or recorded without an e-mail:
    _stale, sent again later)."""
    invoice = row.invoice
    try:
        row.emails = mail_family(
            invoice.family_id, _l("Facture %(number)s : paiement en retard", number=invoice.number),
            "billing/mail_relance", kind=EMAIL_KIND, number=invoice.number,
            month=wording.month_name(invoice.month), amount=wording.money(row.left_cents),
            until=wording.day(invoice.due_date), online=bool(current_app.config.get("PAYMENT_BACKEND")),
            link=mail.external_url("billing.my_invoice", invoice_id=invoice.id))
    except Exception:  # a message that cannot be built: this relance waits, the others go
        current_app.logger.exception("relance of invoice %s: e-mail failed", invoice.id)
        row.emails = 0
    if not row.emails:
        db.session.delete(row)
    db.session.flush()
    return bool(row.emails)


def send_emails(rows: list[InvoiceReminder]) -> list[str]:
    """send_email for each e-mail relance among `rows`, committing after each; returns the numbers of the invoices
    whose e-mail could not leave."""
    failed = []
    for row in rows:
        if row.channel != "email":
            continue
        number = row.invoice.number
        if not send_email(row):
            failed.append(number)
        db.session.commit()
    return failed


def batch_reminders(batch: str) -> list[InvoiceReminder]:
    """The relances of a sending, in invoice number order."""
    return list(db.session.execute(select(InvoiceReminder).join(Invoice, Invoice.id == InvoiceReminder.invoice_id)
                                   .where(InvoiceReminder.batch == batch).order_by(Invoice.number)).scalars())


def invoice_letter(invoice_id: int) -> InvoiceReminder | None:
    """The latest letter of an invoice (to print it again)."""
    return db.session.execute(select(InvoiceReminder).where(InvoiceReminder.invoice_id == invoice_id,
                                                            InvoiceReminder.channel == "letter")
                              .order_by(InvoiceReminder.level.desc())).scalars().first()


@dataclass(frozen=True)
class Letter:
    """What a printed relance says: the relance, its invoice, the family (today's address) and the earlier relance
    (level 2)."""

    reminder: InvoiceReminder
    invoice: Invoice
    family: Family
    earlier: InvoiceReminder | None


def letters(rows: list[InvoiceReminder]) -> list[Letter]:
    """The letters among `rows`, ready for the PDF (a constant number of queries)."""
    rows = [r for r in rows if r.channel == "letter"]
    if not rows:
        return []
    invoices = {i.id: i for i in db.session.execute(select(Invoice).where(
        Invoice.id.in_({r.invoice_id for r in rows}))).scalars()}
    families = {f.id: f for f in db.session.execute(select(Family).where(
        Family.id.in_({i.family_id for i in invoices.values()}))).scalars()}
    earlier = reminders_of(invoices)
    result = []
    for row in rows:
        invoice = invoices[row.invoice_id]
        before = [r for r in earlier.get(invoice.id, []) if r.level < row.level]
        result.append(Letter(row, invoice, families[invoice.family_id], before[-1] if before else None))
    return result
