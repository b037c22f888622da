"""Back office: invoices and family accounts (/gestion/facturation/...): invoices by month or by family, an invoice
with its payments and credit notes, a counter payment (espèces, chèque, CESU) with its receipt, a credit note (avoir:
the only correction of an issued invoice), a family's account. The unpaid list and its relances: dunning_views.py.

A counter payment form carries its own key: sent twice (double click, reload), it records one payment."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import clock
from blueprints.billing import agents_only, bp, service, wording
from blueprints.billing.family import line_rows, payment_help
from blueprints.billing.forms import CreditNoteForm, PaymentForm
from blueprints.converters import MonthConverter
from blueprints.htmx import render
from models import CreditNote, Family, Invoice, Payment, db


@bp.route("/gestion/facturation/factures")
@agents_only
def invoices_search():
    """Invoices of a month (?mois=2026-11) and/or matching a number, a family name or a dossier number (?q=)."""
    month = None
    raw_month = request.args.get("mois", "")[:7]
    if raw_month:
        try:
            month = MonthConverter(None).to_python(raw_month)
        except Exception:
            month = None
    text = request.args.get("q", "")[:100]
    rows = service.search_invoices(clock.today(), month=month, text=text) if (month or text.strip()) else None
    return render("billing/agents/invoices.html", rows=rows, month=month, text=text, words=wording)


def _invoice_page(invoice: Invoice, payment_form: PaymentForm, credit_form: CreditNoteForm, status: int = 200):
    today = clock.today()
    payments = list(db.session.execute(select(Payment).where(Payment.invoice_id == invoice.id)
                                       .order_by(Payment.received_at)).scalars())
    notes = list(db.session.execute(select(CreditNote).where(CreditNote.invoice_id == invoice.id)
                                    .order_by(CreditNote.issued_at)).scalars())
    family = db.session.get(Family, invoice.family_id)
    if not payment_form.token.data:
        payment_form.token.data = secrets.token_hex(16)
    return render("billing/agents/invoice.html", view=service.invoice_view(invoice, today), lines=line_rows(invoice),
                  words=wording, payment_help=payment_help(), payments=payments, notes=notes, family=family,
                  payment_form=payment_form, credit_form=credit_form, status=status)


@bp.route("/gestion/facturation/factures/<int:invoice_id>")
@agents_only
def agent_invoice(invoice_id: int):
    """An invoice as the family sees it, with its payments and credit notes, and the forms to record them."""
    invoice = db.get_or_404(Invoice, invoice_id)
    return _invoice_page(invoice, PaymentForm(formdata=None), CreditNoteForm(formdata=None))


@bp.route("/gestion/facturation/factures/<int:invoice_id>/paiement", methods=["POST"])
@agents_only
def counter_payment(invoice_id: int):
    """Record a counter payment, then show its receipt."""
    invoice = db.get_or_404(Invoice, invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        token = (form.token.data or "").strip()[:40] or secrets.token_hex(16)
        number = (form.reference.data or "").strip()
        reference = f"F{invoice.id}-{number}" if form.method.data in ("cheque", "cesu") else f"G-{token}"
        try:
            payment = service.record_payment(invoice, form.amount.data, form.method.data, reference, clock.now(),
                                             actor_id=current_user.id, note=(form.note.data or "").strip())
        except service.PaymentRefused as refused:
            db.session.rollback()
            field = form.amount if refused.code in ("amount", "too_much", "settled") else form.reference
            field.errors = list(field.errors) + [str(wording.PAYMENT_REFUSED[refused.code])]
        else:
            db.session.commit()
            flash(_("Paiement enregistré : %(amount)s, reçu n° %(number)s.", amount=wording.money(payment.amount_cents),
                    number=payment.receipt_number), "success")
            return redirect(url_for(".receipt", payment_id=payment.id))
    return _invoice_page(invoice, form, CreditNoteForm(formdata=None), status=422)


@bp.route("/gestion/facturation/factures/<int:invoice_id>/avoir", methods=["POST"])
@agents_only
def credit_note(invoice_id: int):
    """Issue a credit note on an invoice (a correction: the invoice itself never changes)."""
    invoice = db.get_or_404(Invoice, invoice_id)
    form = CreditNoteForm()
    if form.validate_on_submit():
        try:
            note = service.issue_credit_note(invoice, invoice.family_id, form.amount.data, form.reason.data,
                                             clock.now(), actor_id=current_user.id)
        except service.PaymentRefused as refused:
            db.session.rollback()
            field = form.reason if refused.code == "reason" else form.amount
            field.errors = list(field.errors) + [str(wording.PAYMENT_REFUSED[refused.code])]
        else:
            db.session.commit()
            flash(_("Avoir %(number)s émis : %(amount)s.", number=note.number,
                    amount=wording.money(note.amount_cents)), "success")
            return redirect(url_for(".agent_invoice", invoice_id=invoice.id))
    return _invoice_page(invoice, PaymentForm(formdata=None), form, status=422)


@bp.route("/gestion/facturation/paiements/<int:payment_id>/recu")
@agents_only
def receipt(payment_id: int):
    """The receipt of a counter payment, to print and hand over."""
    payment = db.get_or_404(Payment, payment_id)
    if payment.receipt_number is None:
        abort(404)
    invoice = db.session.get(Invoice, payment.invoice_id) if payment.invoice_id else None
    family = db.session.get(Family, payment.family_id)
    return render("billing/agents/receipt.html", payment=payment, invoice=invoice, family=family, words=wording,
                  when=payment.received_at.astimezone(dt.timezone.utc))


@bp.route("/gestion/facturation/familles/<int:family_id>")
@agents_only
def family_account(family_id: int):
    """A family's account: balance, invoices, and every movement with the running balance."""
    family = db.get_or_404(Family, family_id)
    return render("billing/agents/account.html", family=family, balance=service.family_balance(family_id),
                  invoices=service.family_invoices(family_id, clock.today()),
                  ledger=service.family_ledger(family_id), words=wording)
