"""Online payment against the database: start (or resume) an attempt, handle what the bank says, the receipt.

Writes flush; the route commits once, then sends the e-mails. The payment itself is recorded by billing's
`record_payment(invoice, amount_cents, "online", refdet, now)`, idempotent on (method, reference); the attempt moves
to "paid" with an UPDATE that matches the status read, so two notifications at the same instant credit once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import mail
from blueprints.billing import service as billing
from blueprints.payments import gateway, rules
from models import Invoice, PaymentAttempt, PaymentNotice, db


class PaymentUnavailable(Exception):
    """The invoice cannot be paid online now (a code wording.UNAVAILABLE explains)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Handled:
    attempt: PaymentAttempt | None
    outcome: str
    receipt_due: bool = False


def family_invoice(family_id: int, invoice_id: int) -> Invoice | None:
    """The family's invoice (another family's: None)."""
    invoice = db.session.get(Invoice, invoice_id)
    return invoice if invoice is not None and invoice.family_id == family_id else None


def family_attempt(family_id: int, refdet: str) -> PaymentAttempt | None:
    if not rules.REFDET.match(refdet or ""):
        return None
    return db.session.execute(select(PaymentAttempt).where(
        PaymentAttempt.refdet == refdet, PaymentAttempt.family_id == family_id)).scalar_one_or_none()


def family_balance(family_id: int):
    """Billing's family account (invoices, credit notes, payments received)."""
    return billing.family_balance(family_id)


def payable_cents(invoice: Invoice) -> int:
    return billing.invoice_due_cents(invoice) if invoice.status == "unpaid" else 0


def open_attempt(invoice: Invoice, now: dt.datetime) -> PaymentAttempt | None:
    """The attempt still open at the bank for this invoice (15 minutes), if any."""
    rows = db.session.execute(select(PaymentAttempt).where(
        PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.status == "created")
        .order_by(PaymentAttempt.id.desc())).scalars()
    return next((a for a in rows if rules.resumable(a.status, a.created_at, now) and a.idop), None)


def start(invoice: Invoice, email: str, user_id: int | None, now: dt.datetime, *, notify_url, return_url,
          exer: str) -> tuple[PaymentAttempt, str]:
    """Send the parent to the bank for what is left to pay: the attempt still open is resumed (never two at once for
    one invoice), else a new one is made. Returns the attempt and the bank's page. Raises PaymentUnavailable."""
    if not gateway.enabled():
        raise PaymentUnavailable("disabled")
    amount = payable_cents(invoice)
    if amount <= 0:
        raise PaymentUnavailable("nothing_due")
    problem = rules.amount_problem(amount)
    if problem:
        raise PaymentUnavailable(problem)
    if not email or "@" not in email or not 6 <= len(email) <= 80:
        raise PaymentUnavailable("email")
    bank = gateway.get_gateway()
    current = open_attempt(invoice, now)
    if current is not None and current.amount_cents == amount:
        return current, resume_url(current)
    expire_old(invoice, now)
    attempt = None
    for _try in range(5):  # a refdet clash (one in a billion) takes another token
        candidate = PaymentAttempt(refdet=rules.new_refdet(invoice.number), family_id=invoice.family_id,
                                   invoice_id=invoice.id, user_id=user_id, amount_cents=amount, email=email,
                                   backend=gateway.backend_name(), status="created", created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(candidate)
            attempt = candidate
            break
        except IntegrityError:
            continue
    if attempt is None:
        raise PaymentUnavailable("bank")
    try:
        redirect = bank.create(refdet=attempt.refdet, amount_cents=amount, email=email, exer=exer,
                               subject=f"Facture {invoice.number}", notify_url=notify_url(attempt),
                               return_url=return_url(attempt))
    except gateway.GatewayError as error:
        current_app.logger.warning("payment request refused by the bank: %s", error)
        raise PaymentUnavailable("bank") from error
    attempt.idop = redirect.idop
    db.session.flush()
    _urls()[attempt.idop] = redirect.url
    return attempt, redirect.url


def _urls() -> dict:
    """idop -> the bank's page for it, in this process (to resume an attempt without asking the bank again)."""
    return current_app.extensions.setdefault("payment_urls", {})


def resume_url(attempt: PaymentAttempt) -> str:
    if attempt.backend == "payfip_ws":
        from eopayment.payfip_ws import PAYMENT_URL

        return f"{PAYMENT_URL}?idop={attempt.idop}"
    return _urls().get(attempt.idop) or f"/banque-fictive/paiement?idop={attempt.idop}"


def expire_old(invoice: Invoice, now: dt.datetime) -> None:
    """Close the attempts of this invoice the bank no longer holds open (a late "paid" still counts)."""
    for attempt in db.session.execute(select(PaymentAttempt).where(
            PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.status == "created")).scalars():
        if rules.expired(attempt.status, attempt.created_at, now) or not attempt.idop:
            attempt.status, attempt.settled_at = "expired", now


def handle(idop: str, source: str, now: dt.datetime, *, remote_addr: str = "") -> Handled:
    """A notification from the bank, or the parent's return: ask the bank, decide, record once, log. Flushes."""
    idop = (idop or "").strip()[:64]
    attempt = db.session.execute(select(PaymentAttempt).where(PaymentAttempt.idop == idop)).scalar_one_or_none() \
        if idop else None
    answer, detail = None, ""
    if attempt is not None:
        try:
            answer = gateway.get_gateway().status(idop)
        except gateway.GatewayError as error:
            detail = f"bank not reachable: {error}"[:500]
    view = rules.Attempt(attempt.refdet, attempt.amount_cents, attempt.status, gateway.numcli()) if attempt else None
    decision = rules.decide(view, answer)
    outcome, receipt_due = decision.outcome, False
    if decision.credit:
        moved = db.session.execute(update(PaymentAttempt).where(
            PaymentAttempt.id == attempt.id, PaymentAttempt.status == attempt.status)
            .values(status="paid", settled_at=now)).rowcount
        if moved != 1:  # another notification credited it between our read and our write
            outcome = "duplicate"
        else:
            db.session.refresh(attempt)
            try:
                payment = billing.record_payment(attempt_invoice(attempt), attempt.amount_cents, "online",
                                                 attempt.refdet, now, note=f"PayFiP {idop}")
                attempt.payment_id = payment.id
                receipt_due = True
            except billing.PaymentRefused as refused:
                # Paid at the bank but the invoice is settled meanwhile (a cheque, another attempt): the money is
                # not lost, the log says so for an agent to refund or credit; nothing is counted twice.
                outcome, detail = "paid_not_allocated", f"record_payment refused: {refused.code}"
    elif decision.status:
        db.session.execute(update(PaymentAttempt).where(
            PaymentAttempt.id == attempt.id, PaymentAttempt.status == attempt.status)
            .values(status=decision.status, settled_at=now))
        db.session.refresh(attempt)
    db.session.add(PaymentNotice(
        attempt_id=attempt.id if attempt else None, source=source, idop=idop, remote_addr=(remote_addr or "")[:64],
        received_at=now, bank_result=answer.result if answer else "", outcome=outcome, detail=detail,
        bank_amount_cents=answer.amount_cents if answer and answer.result != "pending" else None))
    db.session.flush()
    if outcome not in ("credited", "credited_late", "duplicate", "pending", "refused", "abandoned", "ignored"):
        current_app.logger.warning("payment %s %s: %s %s", source, outcome, idop[:16], detail)
    return Handled(attempt, outcome, receipt_due)


def attempt_invoice(attempt: PaymentAttempt) -> Invoice:
    return db.session.get(Invoice, attempt.invoice_id)


def send_receipt(attempt: PaymentAttempt, now: dt.datetime, link: str) -> bool:
    """The receipt e-mail to the payer, once (a link only: no amount, no name in the body). Commits its mark."""
    claimed = db.session.execute(update(PaymentAttempt).where(
        PaymentAttempt.id == attempt.id, PaymentAttempt.receipt_sent_at.is_(None)).values(receipt_sent_at=now)).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    try:
        from flask_babel import gettext as _

        mail.send(attempt.email, _("Paiement accepté"), "payments/mail_receipt", link=link)
    except OSError:
        current_app.logger.exception("payment receipt mail failed")
        return False
    return True


def notices(limit: int = 200) -> list[PaymentNotice]:
    """The latest notifications and returns, newest first (agents)."""
    return list(db.session.execute(select(PaymentNotice).order_by(PaymentNotice.id.desc()).limit(limit)).scalars())


def invoices_by_id(ids) -> dict[int, Invoice]:
    ids = list(ids)
    if not ids:
        return {}
    return {i.id: i for i in db.session.execute(select(Invoice).where(Invoice.id.in_(ids))).scalars()}


def paris_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """1 January 00:00 to the next 1 January 00:00, Paris time, as UTC instants."""
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    return (dt.datetime(year, 1, 1, tzinfo=paris).astimezone(dt.timezone.utc),
            dt.datetime(year + 1, 1, 1, tzinfo=paris).astimezone(dt.timezone.utc))


def attestation_years(family_id: int, today: dt.date) -> list[int]:
    """The years (before this one, or this one) in which the family paid something, most recent first."""
    from models import Payment

    moments = db.session.execute(select(Payment.received_at).where(
        Payment.family_id == family_id, Payment.status == "received", Payment.invoice_id.is_not(None))).scalars()
    from zoneinfo import ZoneInfo

    years = {m.astimezone(ZoneInfo("Europe/Paris")).year for m in moments}
    return sorted((y for y in years if y <= today.year), reverse=True)


def attestation(family_id: int, year: int):
    """The family's attestation fiscale for `year` (payments/fiscal.py), loaded in a constant number of queries."""
    from sqlalchemy import func

    from blueprints.payments import fiscal
    from models import InvoiceLine, Payment, Person, Unit

    start, end = paris_year_bounds(year)
    paid = dict(db.session.execute(
        select(Payment.invoice_id, func.sum(Payment.amount_cents))
        .where(Payment.family_id == family_id, Payment.status == "received", Payment.invoice_id.is_not(None),
               Payment.received_at >= start, Payment.received_at < end).group_by(Payment.invoice_id)).all())
    invoices = {i.id: i for i in db.session.execute(select(Invoice).where(Invoice.id.in_(list(paid)))).scalars()} \
        if paid else {}
    lines = db.session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id.in_(list(paid)))
                               .order_by(InvoiceLine.invoice_id, InvoiceLine.position)).scalars() if paid else []
    slots = {(u.activity_id, u.label): u.slot for u in db.session.execute(select(Unit)).scalars()}
    by_invoice: dict[int, list] = {}
    for line in lines:
        slot = slots.get((line.activity_id, line.unit_label), "")
        by_invoice.setdefault(line.invoice_id, []).append(
            fiscal.Line(line.child_id, line.amount_cents, fiscal.is_meal(slot, line.kind or "")))
    children = [(p.id, p.full_name, p.birth_date) for p in db.session.execute(
        select(Person).where(Person.family_id == family_id, Person.role == "child")).scalars()]
    paid_invoices = [fiscal.PaidInvoice(invoices[i].total_cents, int(paid[i]), tuple(by_invoice.get(i, ())))
                     for i in paid if i in invoices]
    return fiscal.attestation(year, children, paid_invoices)
