"""Mes documents: the list, the attestation de présence of a child (a GET form for the period, then the page and its
PDF) and the fiche famille (page and PDF). Scoped to the logged-in family: another family's child is a 404."""

from __future__ import annotations

import datetime as dt

from flask import abort, make_response, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user

import clock
from blueprints.access import current_family, get_child_or_404
from blueprints.htmx import render
from blueprints.mydocuments import bp, service, wording
from blueprints.mydocuments.forms import PresenceForm
from blueprints.payments import service as payments

PDF_VARIANT = "pdf/ua-1"


def _pdf(template: str, filename: str, **context):
    """A page template as a tagged PDF (PDF/UA-1, WeasyPrint), shown in the browser, never cached."""
    from weasyprint import HTML

    html = render_template(template, **context)
    body = HTML(string=html, base_url=url_for("public.home", _external=True)).write_pdf(pdf_variant=PDF_VARIANT,
                                                                                        pdf_tags=True)
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/mes-documents")
def index():
    """Mes documents: each child's attestation de présence, the fiche famille, the attestations fiscales."""
    family = current_family()
    return render("mydocuments/index.html", family=family,
                  fiscal_years=payments.attestation_years(family.id, clock.today()))


def _presence_form(today: dt.date) -> tuple[PresenceForm, bool]:
    """The form read from the query string (prefilled with this month when empty), and whether it is valid."""
    form = PresenceForm(request.args)
    form.mois.choices = [(m, format_date(dt.date(2000, m, 1), "LLLL").capitalize()) for m in range(1, 13)]
    if not request.args:
        form.mois.data, form.annee.data = today.month, today.year
        return form, False
    return form, form.validate_with(today)


@bp.route("/mes-documents/attestation-de-presence/<int:child_id>")
def presence(child_id: int):
    """A child's attestation de présence: the period chosen in a GET form, then the days attended, per activity."""
    child = get_child_or_404(child_id)
    today = clock.today()
    form, valid = _presence_form(today)
    context = {}
    if valid:
        period = form.period()
        context = {"period": period, "activities": service.presence(child.id, period, today),
                   "pdf_args": {k: v for k, v in request.args.items() if k in ("periode", "mois", "annee")}}
    return render("mydocuments/presence.html", child=child, family=current_family(), form=form, words=wording,
                  today=today, school_start=today.year if today.month >= 9 else today.year - 1, **context)


@bp.route("/mes-documents/attestation-de-presence/<int:child_id>.pdf")
def presence_pdf(child_id: int):
    """The same attestation as a tagged PDF; a period that cannot be attested is a 404 (the page says why)."""
    child = get_child_or_404(child_id)
    today = clock.today()
    form, valid = _presence_form(today)
    if not valid:
        abort(404)
    period = form.period()
    return _pdf("mydocuments/presence_pdf.html", f"attestation-presence-{child.id}-{period.start}-{period.end}.pdf",
                child=child, family=current_family(), period=period, words=wording, today=today,
                activities=service.presence(child.id, period, today))


@bp.route("/mes-documents/fiche-famille")
def family_sheet():
    """The fiche famille: the family file as the service knows it, to read or print."""
    return render("mydocuments/family_sheet.html", today=clock.today(),
                  **service.family_sheet(current_user.family_id, current_user))


@bp.route("/mes-documents/fiche-famille.pdf")
def family_sheet_pdf():
    """The fiche famille as a tagged PDF."""
    today = clock.today()
    return _pdf("mydocuments/family_sheet_pdf.html", f"fiche-famille-{today.isoformat()}.pdf", today=today,
                **service.family_sheet(current_user.family_id, current_user))
