"""Parents: "Mes factures" (/factures): the family account (what is left to pay, "Compte famille"), each invoice
with its state (à payer, payée, en retard, annulée par un avoir), its accessible HTML page and its tagged PDF.
Another family's invoice is a 404, as one that does not exist."""

from __future__ import annotations

import datetime as dt

from flask import abort, make_response
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.access import parents_only
from blueprints.billing import bp, pdf, service, wording
from blueprints.htmx import render


@bp.route("/factures")
@parents_only
def my_invoices():
    """Mes factures: the balance, then every invoice (most recent month first)."""
    family_id = current_user.family_id
    return render("billing/family/invoices.html", invoices=service.family_invoices(family_id, clock.today()),
                  balance=service.family_balance(family_id), ledger=service.family_ledger(family_id), words=wording)


def _invoice_or_404(invoice_id: int):
    invoice = service.family_invoice(current_user.family_id, invoice_id)
    if invoice is None:
        abort(404)
    return invoice


def line_rows(invoice) -> list[dict]:
    """The invoice's lines with their days in words, grouped by child (the order they were issued in)."""
    rows = []
    for line in invoice.lines:
        days = [dt.date.fromisoformat(d) for d in line.dates.split(",") if d]
        rows.append({"line": line, "days": wording.short_days(days), "kind": str(wording.LINE_KINDS.get(line.kind,
                                                                                                    line.kind))})
    return rows


def payment_help() -> str:
    return _("Payez en ligne depuis « Mes factures », ou au guichet du service Enfance (espèces, chèque à l'ordre "
             "du Trésor public, CESU) en indiquant le numéro de la facture.")


@bp.route("/factures/<int:invoice_id>")
@parents_only
def my_invoice(invoice_id: int):
    """An invoice, as accessible HTML: lines per child, activity, unit and days, QF used, totals, due date."""
    invoice = _invoice_or_404(invoice_id)
    return render("billing/family/invoice.html", view=service.invoice_view(invoice, clock.today()),
                  lines=line_rows(invoice), words=wording, payment_help=payment_help())


@bp.route("/factures/<int:invoice_id>.pdf")
@parents_only
def my_invoice_pdf(invoice_id: int):
    """The same invoice as a tagged PDF (PDF/UA-1), downloaded."""
    invoice = _invoice_or_404(invoice_id)
    body = pdf.invoice_pdf(service.invoice_view(invoice, clock.today()), line_rows(invoice), payment_help())
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="facture-{invoice.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
