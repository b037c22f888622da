"""An invoice, and the relance letters of late invoices, as tagged, accessible PDFs (WeasyPrint, variant PDF/UA-1:
structure tags, document language and title, fonts embedded). The invoice has the same data and words as the HTML
view (templates/billing/_invoice.html)."""

from __future__ import annotations

from flask import render_template, url_for

import mail

PDF_VARIANT = "pdf/ua-1"


def invoice_pdf(view, lines, payment_help: str) -> bytes:
    """The PDF of an invoice (an InvoiceView) for its family."""
    from weasyprint import HTML

    from blueprints.billing import wording

    html = render_template("billing/invoice_pdf.html", view=view, lines=lines, payment_help=payment_help,
                           words=wording)
    base = url_for("public.home", _external=True)
    return HTML(string=html, base_url=base).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)


def reminder_letters_pdf(letters, today) -> bytes:
    """The relance letters (dunning_service.Letter) as one tagged PDF, a page per letter, dated `today`."""
    from weasyprint import HTML

    from blueprints.accounts.letters import addressees
    from blueprints.billing import wording
    from blueprints.billing.dunning_rules import sent_day

    html = render_template("billing/agents/relance_letters_pdf.html", letters=letters, words=wording,
                           addressees=addressees, today=today, sent_day=sent_day,
                           invoices_url=mail.external_url("billing.my_invoices"))
    base = url_for("public.home", _external=True)
    return HTML(string=html, base_url=base).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
