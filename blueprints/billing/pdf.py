"""An invoice as a tagged, accessible PDF (WeasyPrint, variant PDF/UA-1: structure tags, document language and
title, fonts embedded). The same data and words as the HTML view (templates/billing/_invoice.html)."""

from __future__ import annotations

from flask import render_template, url_for

PDF_VARIANT = "pdf/ua-1"


def invoice_pdf(view, lines, payment_help: str) -> bytes:
    """The PDF of an invoice (an InvoiceView) for its family."""
    from weasyprint import HTML

    from blueprints.billing import wording

    html = render_template("billing/invoice_pdf.html", view=view, lines=lines, payment_help=payment_help,
                           words=wording)
    base = url_for("public.home", _external=True)
    return HTML(string=html, base_url=base).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
