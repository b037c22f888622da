"""Online payment routes: the family's "Payer en ligne" page (and the button that sends them to the bank), the
bank's server-to-server notification, the browser's return from the bank, and the result page.

The notification and the return carry nothing we believe: they only tell us to ask the bank again
(service.handle). They need no session (the bank has none, and a cross-site return does not carry our cookie) and no
CSRF token (the bank cannot send one): the worst a forged one can do is make us ask the bank.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

import clock
import mail
from blueprints.access import parents_only
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.payments import bp, gateway, rules, service, wording
from extensions import csrf
from models import PaymentAttempt, db


def _invoice_or_404(invoice_id: int):
    invoice = service.family_invoice(current_user.family_id, invoice_id)
    if invoice is None:
        abort(404)
    return invoice


@bp.route("/factures/<int:invoice_id>/paiement", methods=["GET", "POST"])
@parents_only
def pay(invoice_id: int):
    """What is left to pay, where the receipt goes, and the button to the bank (POST: send the parent there)."""
    invoice = _invoice_or_404(invoice_id)
    form = EmptyForm()
    problem = None
    if form.validate_on_submit():
        now = clock.now()
        try:
            attempt, url = service.start(
                invoice, current_user.email, current_user.id, now, exer=str(clock.today().year),
                notify_url=lambda a: mail.external_url("payments.notification"),
                return_url=lambda a: mail.external_url("payments.back", refdet=a.refdet))
        except service.PaymentUnavailable as refused:
            db.session.rollback()
            problem = wording.UNAVAILABLE[refused.code]
        else:
            db.session.commit()
            return redirect(url, code=303)
    amount = service.payable_cents(invoice)
    if problem is None and not gateway.enabled():
        problem = wording.UNAVAILABLE["disabled"]
    return render("payments/pay.html", invoice=invoice, amount=amount, form=form, problem=problem, words=wording,
                  email=current_user.email), (200 if problem is None or request.method == "GET" else 422)


@bp.post("/paiement/notification")
@csrf.exempt
def notification():
    """PayFiP's server-to-server notification (a form POST of idOp): ask the bank, record once, log. Always 200 so
    the bank does not keep a dead letter; what happened is in the log (agents, "Paiements en ligne")."""
    idop = request.form.get("idOp") or request.form.get("idop") or request.args.get("idop") or ""
    handled = service.handle(idop, "notification", clock.now(), remote_addr=request.remote_addr or "")
    db.session.commit()
    if handled.receipt_due:
        _receipt(handled.attempt)
    return "OK", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/paiement/<refdet>/retour", methods=["GET", "POST"])
@csrf.exempt
def back(refdet: str):
    """The browser back from the bank: ask the bank about this attempt (the notification may be late), then show
    the result page (which needs the family's session)."""
    attempt = None
    if rules.REFDET.match(refdet):
        attempt = db.session.execute(db.select(PaymentAttempt).where(PaymentAttempt.refdet == refdet)
                                     ).scalar_one_or_none()
    if attempt is None or not attempt.idop:
        abort(404)
    handled = service.handle(attempt.idop, "return", clock.now(), remote_addr=request.remote_addr or "")
    db.session.commit()
    if handled.receipt_due:
        _receipt(handled.attempt)
    return redirect(url_for("payments.result", refdet=refdet, verifie=1), code=303)


@bp.get("/paiement/<refdet>")
@parents_only
def result(refdet: str):
    """Paiement accepté / refusé / abandonné / en cours de vérification, with what is left to pay."""
    attempt = service.family_attempt(current_user.family_id, refdet)
    if attempt is None:
        abort(404)
    just_asked = request.args.get("verifie") == "1"  # straight from the return, which asked the bank already
    if attempt.status == "created" and attempt.idop and not just_asked:  # reloading asks the bank again
        handled = service.handle(attempt.idop, "return", clock.now(), remote_addr=request.remote_addr or "")
        db.session.commit()
        if handled.receipt_due:
            _receipt(handled.attempt)
    invoice = service.attempt_invoice(attempt)
    return render("payments/result.html", attempt=attempt, invoice=invoice, words=wording,
                  left=service.payable_cents(invoice), balance=service.family_balance(attempt.family_id))


def _receipt(attempt: PaymentAttempt) -> None:
    """After the commit: the receipt e-mail, once per attempt."""
    try:
        link = mail.external_url("payments.result", refdet=attempt.refdet)
    except RuntimeError:
        return
    service.send_receipt(attempt, clock.now(), link)



@bp.app_context_processor
def payment_helpers():
    """`direct_debit_on(view)` for billing's invoice pages: the due date the invoice will be collected on (the
    family has an active mandate and it is unpaid), or None. Queries only when a page calls it."""

    def direct_debit_on(view):
        from blueprints.payments import debits

        if view.state not in ("to_pay", "late") or view.due_cents <= 0:
            return None
        scheduled = debits.scheduled_for([view.invoice.id]).get(view.invoice.id)
        if scheduled:
            return scheduled
        if debits.active_mandate(view.invoice.family_id) is not None and view.state == "to_pay":
            return view.invoice.due_date
        return None

    def direct_debit_pending(view) -> bool:
        """A late invoice the family's active mandate will still collect (billing's relances leave it alone for the
        same reason: dunning_service.collected_by_debit): the family has nothing to do."""
        from blueprints.billing import dunning_service

        if view.state != "late" or view.due_cents <= 0:
            return False
        return view.invoice.id in dunning_service.collected_by_debit([view.invoice.id], clock.today())

    def payment_settings(family_id: int):
        """The family's mandate (with the masked account) and invoice choice, for "Mes factures"."""
        from blueprints.payments import debits, paperless, sepa
        from blueprints.procedures import service as procedures

        mandate = debits.active_mandate(family_id)
        account = sepa.Account(mandate.iban, mandate.bic) if mandate else None
        return {"mandate": mandate, "account": account, "paperless": paperless.is_paperless(family_id),
                "ics": current_app.config.get("PAYMENT_SEPA_ICS", ""),
                "creditor": current_app.config.get("PAYMENT_SEPA_NAME", ""),
                "offered": {t.code for t in procedures.active_types()}}

    return {"direct_debit_on": direct_debit_on, "direct_debit_pending": direct_debit_pending,
            "payment_settings": payment_settings}
