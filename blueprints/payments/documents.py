"""The family's payment documents: "Attestations fiscales" (a page per year, the same as a tagged PDF)."""

from __future__ import annotations

from flask import abort, make_response, render_template, url_for
from flask_login import current_user

import clock
from blueprints.access import current_family, parents_only
from blueprints.htmx import render
from blueprints.payments import bp, fiscal, service, wording

PDF_VARIANT = "pdf/ua-1"


def _year_or_404(year: int) -> int:
    if not 2000 <= year <= clock.today().year:
        abort(404)
    return year


@bp.route("/attestations-fiscales")
@parents_only
def attestations():
    """The years the family paid something, each with its attestation (page and PDF)."""
    return render("payments/attestations.html", years=service.attestation_years(current_user.family_id,
                                                                                 clock.today()))


@bp.route("/attestations-fiscales/<int:year>")
@parents_only
def attestation(year: int):
    """The attestation of a year as an accessible page."""
    data = service.attestation(current_user.family_id, _year_or_404(year))
    return render("payments/attestation.html", data=data, family=current_family(), words=wording,
                  ceiling=fiscal.CEILING_CENTS, today=clock.today())


@bp.route("/attestations-fiscales/<int:year>.pdf")
@parents_only
def attestation_pdf(year: int):
    """The same attestation as a tagged PDF (PDF/UA-1, WeasyPrint)."""
    from weasyprint import HTML

    data = service.attestation(current_user.family_id, _year_or_404(year))
    html = render_template("payments/attestation_pdf.html", data=data, family=current_family(), words=wording,
                           ceiling=fiscal.CEILING_CENTS, today=clock.today())
    body = HTML(string=html, base_url=url_for("public.home", _external=True)).write_pdf(pdf_variant=PDF_VARIANT,
                                                                                        pdf_tags=True)
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="attestation-fiscale-{year}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
