"""Back office: online payments' log (every notification and return, what came of it) and direct debit
(Prélèvements: collections per due date, the SEPA file, the bank's rejects). Routes over payments/debits.py and
payments/service.py."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
import mail
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.notify import mail_family
from blueprints.payments import debits, wording
from blueprints.payments import service as payments
from models import DirectDebit, DirectDebitBatch, db


@bp.route("/paiements")
def payment_notices():
    """Paiements en ligne: the latest notifications and returns, with what was done (credited, ignored and why)."""
    return render("backoffice/payment_notices.html", notices=payments.notices(), words=wording)


def _due_date_arg(raw: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else None


@bp.route("/prelevements")
def direct_debits():
    """Prélèvements: due dates with collections to export (a preview of each), the batches already exported."""
    chosen = _due_date_arg(request.args.get("echeance"))
    dates = debits.due_dates()
    if chosen is None and dates:
        chosen = dates[0]
    dues = debits.due_collections(chosen) if chosen else []
    return render("backoffice/direct_debits.html", dates=dates, chosen=chosen, dues=dues, batches=debits.batches(),
                  words=wording, form=EmptyForm(), total=sum(d.amount_cents for d in dues))


@bp.post("/prelevements/<due>/export")
def direct_debit_export(due: str):
    """Export the due date's collections as one SEPA file (each invoice collected once)."""
    due_date = _due_date_arg(due)
    if due_date is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        batch = debits.export(due_date, clock.now(), current_user.id)
    except debits.DebitRefused:
        db.session.rollback()
        flash(_("Rien à prélever à cette échéance : les factures sont déjà payées ou déjà dans un fichier."), "info")
        return redirect(url_for("backoffice.direct_debits", echeance=due_date.isoformat()))
    db.session.commit()
    flash(_("Fichier de prélèvement créé : %(count)d prélèvements, %(total)s.", count=batch.count,
            total=wording.euros(batch.total_cents)), "success")
    return redirect(url_for("backoffice.direct_debit_batch", batch_id=batch.id))


@bp.route("/prelevements/fichiers/<int:batch_id>")
def direct_debit_batch(batch_id: int):
    """One exported file: its collections, each with "Rejet de la banque"."""
    batch = db.get_or_404(DirectDebitBatch, batch_id)
    return render("backoffice/direct_debit_batch.html", batch=batch, words=wording, form=EmptyForm(),
                  invoices=payments.invoices_by_id([d.invoice_id for d in batch.debits]))


@bp.route("/prelevements/fichiers/<int:batch_id>/fichier")
def direct_debit_file(batch_id: int):
    """The SEPA file itself (pain.008), to send to the bank or the Trésorerie."""
    batch = db.get_or_404(DirectDebitBatch, batch_id)
    name = f"prelevements-{batch.due_date.isoformat()}-{batch.id}.xml"
    return Response(batch.content, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/prelevements/rejets/<int:debit_id>")
def direct_debit_reject(debit_id: int):
    """The bank rejected a collection: the invoice is unpaid again and the family is told (a link only)."""
    debit = db.get_or_404(DirectDebit, debit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        invoice = debits.reject(debit, request.form.get("motif", ""), clock.now(), current_user.id)
    except debits.DebitRefused as refused:
        db.session.rollback()
        flash(str(wording.REJECT_REFUSED[refused.code]), "error")
        return redirect(url_for("backoffice.direct_debit_batch", batch_id=debit.batch_id))
    db.session.commit()
    mail_family(invoice.family_id, _("Prélèvement rejeté : facture à payer"), "payments/mail_rejected",
                link=mail.external_url("payments.pay", invoice_id=invoice.id))
    flash(_("Rejet enregistré : la facture %(number)s est de nouveau à payer, la famille est prévenue.",
            number=invoice.number), "success")
    return redirect(url_for("backoffice.direct_debit_batch", batch_id=debit.batch_id))


def _month_arg(raw: str | None) -> dt.date | None:
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return dt.date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


@bp.route("/factures-papier")
def paper_invoices():
    """Factures papier: the month's invoices of the families who did not choose the facture en ligne, ready to
    print (one per page)."""
    from blueprints.billing import service as billing
    from blueprints.billing import wording as billing_words
    from blueprints.payments import paperless

    months = paperless.invoice_months()
    chosen = _month_arg(request.args.get("mois")) or (months[0] if months else None)
    invoices = paperless.paper_batch(chosen) if chosen else []
    today = clock.today()
    printed = [(billing.invoice_view(invoice, today), _line_rows(invoice, billing_words)) for invoice in invoices]
    return render("backoffice/paper_invoices.html", months=months, chosen=chosen, printed=printed,
                  words=billing_words, payment_help=_("Payez en ligne sur le portail familles, ou au guichet du "
                                                      "service Enfance en indiquant le numéro de la facture."))


def _line_rows(invoice, billing_words) -> list[dict]:
    rows = []
    for line in invoice.lines:
        days = [dt.date.fromisoformat(d) for d in line.dates.split(",") if d]
        rows.append({"line": line, "days": billing_words.short_days(days),
                     "kind": str(billing_words.LINE_KINDS.get(line.kind, line.kind))})
    return rows


@bp.post("/familles/<int:family_id>/mandat/revoquer")
def mandate_revoke(family_id: int):
    """Revoke the family's active mandate (the family asked, or the bank said the account is closed)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    mandate = debits.active_mandate(family_id)
    if mandate is not None:
        debits.revoke_mandate(mandate, clock.now())
        db.session.commit()
        flash(_("Mandat %(rum)s révoqué : les factures de la famille ne seront plus prélevées.", rum=mandate.rum),
              "success")
    return redirect(url_for("backoffice.family", family_id=family_id))
