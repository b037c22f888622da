"""« Mes données »: the family's data, as JSON and as a readable PDF (scoped to the logged-in family)."""

from __future__ import annotations

import json

from flask import Response, render_template
from flask_login import current_user

import clock
from blueprints.access import current_family
from blueprints.admin import rgpd
from blueprints.htmx import render
from blueprints.rgpd import bp


def _filename(ext: str) -> str:
    return f"mes-donnees-portail-familles-{clock.today().isoformat()}.{ext}"


@bp.route("/mes-donnees")
def my_data():
    """Mes données: what the portal keeps about the family, why and how long, and the two downloads."""
    family = current_family()
    data = rgpd.family_data(family.id)
    counts = [(title, len(data[key])) for key, title in rgpd.SECTIONS]
    return render("rgpd/my_data.html", family=family, counts=counts)


@bp.route("/mes-donnees.json")
def my_data_json():
    """All the family's data as JSON (machine-readable: the right to data portability)."""
    family = current_family()
    payload = {"exporte_le": clock.now().isoformat(), "famille": family.name,
               "donnees": rgpd.family_data(family.id)}
    return Response(json.dumps(payload, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("json")}"',
                             "Cache-Control": "no-store"})


@bp.route("/mes-donnees.pdf")
def my_data_pdf():
    """All the family's data as a PDF to read and print (WeasyPrint, no network: the HTML has no external link)."""
    from weasyprint import HTML

    family = current_family()
    data = rgpd.family_data(family.id)
    html = render_template("rgpd/my_data_pdf.html", family=family, sections=rgpd.SECTIONS, data=data,
                           exported=clock.now(), user=current_user)
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("pdf")}"',
                             "Cache-Control": "no-store"})


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("no external resource in the export")
