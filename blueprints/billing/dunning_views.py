"""Back office: relances of late invoices, from the unpaid list (/gestion/facturation/impayes). An agent of the
régie ticks invoices (or "Relancer toutes…", or one row's button) and sends: the first relance is an e-mail (a
letter for a family no login of which takes invoice e-mails), the second a letter; the letters of a sending print as
one PDF. Everything is checked again on the server (dunning_service.plan): a paid invoice, one not late, a letter
not due yet, an id that is no invoice are refused with their reason, and nothing is ever sent twice.

Routes only: the rules are dunning_rules.py, the writes dunning_service.py. French only (agents' pages)."""

from __future__ import annotations

import re
import secrets

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

import clock
from blueprints import edge
from blueprints.billing import agents_only, bp, dunning_service, pdf, wording
from blueprints.billing.dunning_rules import Step, sent_day
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from models import Invoice, InvoiceReminder, db

BATCH = re.compile(r"^[0-9a-f]{16,32}$")
MAX_IDS = 2000
# Relances handled by one sending: its e-mails leave within the request, well inside the server's time limit.
PER_SENDING = 50


def reminder_text(row: InvoiceReminder) -> str:
    """ "Relancée le jeudi 7 janvier 2027 (courriel)", "Lettre le vendredi 22 janvier 2027" """
    day = wording.day(sent_day(row.sent_at))
    if row.channel == "email":
        return _("Relancée le %(day)s (courriel)", day=day)
    return _("Lettre le %(day)s", day=day)


def step_text(step: Step) -> str:
    """The next step of an invoice in words."""
    if step.channel == "email":
        return _("Courriel de relance à envoyer")
    if step.channel == "letter":
        return _("Lettre de relance à imprimer") if step.level == 2 else _(
            "Lettre de relance à imprimer (pas de courriel possible : aucun compte de la famille ne reçoit les "
            "factures par courriel)")
    if step.reason == "debit":
        return _("Prélèvement automatique : la facture sera prélevée, pas de relance")
    if step.reason == "not_late":
        return _("Pas encore en retard : relance possible à partir du %(day)s", day=wording.day(step.from_day))
    if step.reason == "wait":
        return _("Lettre de relance possible à partir du %(day)s", day=wording.day(step.from_day))
    if step.reason == "done":
        return _("Relances terminées")
    return _("Facture réglée : pas de relance")


def refusal_text(invoice: Invoice | None, invoice_id: int, step: Step | None) -> str:
    """Why a relance asked for was not sent, naming the invoice."""
    if invoice is None or step is None:
        return _("La facture n° %(id)s n'existe pas : aucune relance envoyée.", id=invoice_id)
    number = invoice.number
    if step.reason == "settled":
        return _("La facture %(number)s est réglée (payée ou annulée par un avoir) : aucune relance envoyée.",
                 number=number)
    if step.reason == "debit":
        return _("La facture %(number)s sera prélevée (prélèvement automatique de la famille) : aucune relance "
                 "envoyée.", number=number)
    if step.reason == "not_late":
        return _("La facture %(number)s n'est pas en retard (date limite : %(day)s) : aucune relance envoyée.",
                 number=number, day=wording.day(invoice.due_date))
    if step.reason == "wait":
        return _("La facture %(number)s a déjà été relancée : la lettre de relance sera possible à partir du "
                 "%(day)s.", number=number, day=wording.day(step.from_day))
    return _("La facture %(number)s a déjà reçu ses deux relances : rien n'a été envoyé de nouveau.", number=number)


def _batch_or_new(value: str) -> str:
    value = (value or "").strip().lower()
    return value if BATCH.match(value) else secrets.token_hex(16)


@bp.route("/gestion/facturation/impayes")
@agents_only
def unpaid():
    """Factures impayées: every unpaid invoice, the late ones first (oldest due date), with what is left to pay,
    its relances and the next one, the boxes to send them (?tout=1: all ticked), and the last sending (?lot=)."""
    today = clock.today()
    rows = dunning_service.unpaid_rows(today, clock.now())
    batch = request.args.get("lot", "")[:32]
    sending = dunning_service.batch_reminders(batch) if BATCH.match(batch) else []
    return render("billing/agents/unpaid.html", rows=rows, words=wording, form=EmptyForm(),
                  total=sum(row.view.due_cents for row in rows), all_ticked=request.args.get("tout") == "1",
                  batch=secrets.token_hex(16), sending=sending, sending_batch=batch if sending else None,
                  letters=[r for r in sending if r.channel == "letter"], reminder_text=reminder_text,
                  step_text=step_text, letter_days=dunning_service.letter_after_days())


def _asked_ids() -> list[int]:
    one = edge.parse_id(request.form.get("une"))
    if one is not None:
        return [one]
    if request.form.get("toutes"):
        return dunning_service.due_ids(clock.today(), clock.now())
    return [i for i in (edge.parse_id(v) for v in request.form.getlist("facture")[:MAX_IDS]) if i is not None]


@bp.route("/gestion/facturation/relances", methods=["POST"])
@agents_only
def send_reminders():
    """Send the relances of the invoices ticked (or of one row, or of every invoice due with "toutes"): record them
    (committed before any e-mail), e-mail, then back to the list with what was done and the letters to print."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    asked = _asked_ids()
    if not asked:
        flash("Cochez au moins une facture à relancer.", "error")
        return redirect(url_for(".unpaid"))
    later = len(asked) - PER_SENDING
    asked = asked[:PER_SENDING]
    batch = _batch_or_new(request.form.get("lot", ""))
    plan = dunning_service.plan(asked, clock.today(), batch, clock.now())
    recorded = dunning_service.record(plan.due, clock.now(), current_user.id, batch)
    letters = sum(1 for row in recorded if row.channel == "letter")
    db.session.commit()
    failed = dunning_service.send_emails(recorded)  # commits after each e-mail
    emails = len(recorded) - letters - len(failed)
    for invoice, invoice_id, step in plan.refused:
        flash(refusal_text(invoice, invoice_id, step), "error")
    for number in failed:
        flash(_("Le courriel de relance de la facture %(number)s n'a pas pu partir : réessayez plus tard.",
                number=number), "error")
    done = ([ngettext("%(num)d courriel", "%(num)d courriels", emails)] if emails else []) + (
        [ngettext("%(num)d lettre à imprimer", "%(num)d lettres à imprimer", letters)] if letters else [])
    if done:
        flash(_("Relances envoyées : %(what)s.", what=_(" et ").join(done)), "success")
    if later > 0:
        flash(_("Les %(first)d premières factures demandées sont traitées ; relancez de nouveau pour les %(left)d "
                "suivantes.", first=PER_SENDING, left=later), "warning")
    elif plan.repeated:
        flash(_("Ces relances étaient déjà envoyées : rien n'a été envoyé deux fois."), "success")
    if emails or letters or plan.repeated:
        return redirect(url_for(".unpaid", lot=batch, _anchor="envoi"))
    return redirect(url_for(".unpaid"))


def _pdf_response(letters, filename: str):
    if not letters:
        abort(404)
    response = make_response(pdf.reminder_letters_pdf(letters, clock.today()))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/gestion/facturation/relances/<batch>/lettres.pdf")
@agents_only
def reminder_letters(batch: str):
    """The letters of a sending, one PDF (a page per letter), to print."""
    if not BATCH.match(batch):
        abort(404)
    return _pdf_response(dunning_service.letters(dunning_service.batch_reminders(batch)),
                         f"relances-{clock.today().isoformat()}.pdf")


@bp.route("/gestion/facturation/factures/<int:invoice_id>/relance.pdf")
@agents_only
def invoice_reminder_letter(invoice_id: int):
    """The latest letter of an invoice, to print it again."""
    row = dunning_service.invoice_letter(invoice_id)
    return _pdf_response(dunning_service.letters([row] if row else []), f"relance-{invoice_id}.pdf")
