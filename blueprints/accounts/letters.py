"""The printable letters that carry dossier keys: one A4 page per family, a tagged PDF (PDF/UA-1) made with
WeasyPrint from templates/accounts/letters.html (so the printed text and the PDF's text layer are the same)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template

import mail
from blueprints.accounts import rules
from blueprints.documents.wording import format_day
from models import Family


@dataclass(frozen=True)
class Letter:
    family: Family
    key: str  # formatted: "K7F4-9QX2-M3PB"
    addressees: str  # "Mme Zoé Lefèvre et M. Jean Lefèvre", or "Famille Lefèvre"


def addressees(family: Family) -> str:
    names = [" ".join(filter(None, (g.civility, g.first_name, g.last_name))) for g in family.guardians]
    return " et ".join(names) if names else f"Famille {family.name}"


def letters_pdf(families: list[Family], keys: dict[int, str], today: dt.date) -> bytes:
    """The PDF of the letters of `families` (in that order), with the keys just issued."""
    from weasyprint import HTML  # imported on use: only this page needs pango

    letters = [Letter(f, rules.format_key(keys[f.id]), addressees(f)) for f in families]
    html = render_template("accounts/letters.html", letters=letters, today_words=format_day(today),
                           signup_url=mail.external_url("accounts.informations"))
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
