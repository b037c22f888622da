"""Plain French for supporting documents, through gettext: dates written out ("31 août 2027"), where a document
stands ("Valide jusqu'au 31 août 2027", "Expire bientôt", "Refusée"), a type's validity rule, a document's title,
pages and sizes, and why a date is refused."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import ngettext

from blueprints.languages.formats import commune_text
from blueprints.reservations.wording import MONTHS, format_moment
from models import Document, DocumentType

FORMATS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def format_day(day: dt.date) -> str:
    """ "31 août 2027", "1er septembre 2026" (a validity date: no weekday)."""
    number = _("1er") if day.day == 1 else str(day.day)
    return _("%(day)s %(month)s %(year)d", day=number, month=MONTHS[day.month - 1], year=day.year)


def state_label(state: str) -> str:
    """The state in one or two words, the same on every page."""
    return {
        "submitted": _("En attente de vérification"),
        "valid": _("Valide"),
        "expiring": _("Expire bientôt"),
        "expired": _("Expirée"),
        "refused": _("Refusée"),
    }[state]


def state_text(document: Document, state: str) -> str:
    """The sentence after the label: until when it is valid, when it was sent or refused and why."""
    if state == "refused":
        return _("Refusée le %(when)s. Motif : %(reason)s.", when=format_moment(document.reviewed_at),
                 reason=document.refusal_reason.rstrip(" ."))
    if state == "expired":
        return _("Elle était valide jusqu'au %(day)s. Envoyez une pièce plus récente.",
                 day=format_day(document.valid_until))
    if state == "submitted":
        text = _("Déposée le %(when)s. Le service Enfance va la vérifier.", when=format_moment(document.uploaded_at))
        if document.valid_until is not None:
            text += " " + _("Elle sera valide jusqu'au %(day)s.", day=format_day(document.valid_until))
        return text
    if document.valid_until is None:
        return _("Valide, sans date de fin.")
    if state == "expiring":
        return _("Valide jusqu'au %(day)s : pensez à envoyer une pièce plus récente.",
                 day=format_day(document.valid_until))
    return _("Valide jusqu'au %(day)s.", day=format_day(document.valid_until))


def title(document: Document) -> str:
    """ "Justificatif de domicile", "Carnet de vaccination de Léa"."""
    if document.child is not None:
        return _("%(type)s de %(name)s", type=commune_text(document.type.label), name=document.child.first_name)
    return commune_text(document.type.label)


def validity_rule_text(document_type: DocumentType) -> str:
    """A type's validity rule in words (the upload form's hints, the agents' list of types)."""
    if document_type.validity == "months":
        return ngettext("Valide %(num)d mois à partir de la date du document.",
                        "Valide %(num)d mois à partir de la date du document.", document_type.validity_months or 0)
    if document_type.validity == "school_year":
        return _("Valide jusqu'à la fin de l'année scolaire (31 août).")
    return _("Sans date de fin.")


def period_text(valid_from: dt.date | None, valid_until: dt.date | None) -> str:
    """ "du 2 novembre 2026 au 1er février 2027", "à partir du 2 novembre 2026, sans date de fin"."""
    if valid_from is None and valid_until is None:
        return _("sans date de fin")
    if valid_until is None:
        return _("à partir du %(start)s, sans date de fin", start=format_day(valid_from))
    if valid_from is None:
        return _("jusqu'au %(end)s", end=format_day(valid_until))
    return _("du %(start)s au %(end)s", start=format_day(valid_from), end=format_day(valid_until))


def size_text(size: int) -> str:
    """ "120 ko", "2,4 Mo"."""
    if size < 1024 * 1024:
        return _("%(num)s ko", num=max(1, round(size / 1024)))
    return _("%(num)s Mo", num=f"{size / (1024 * 1024):.1f}".replace(".", ","))


def file_text(file) -> str:
    """ "facture.pdf (PDF, 120 ko)"."""
    return _("%(name)s (%(format)s, %(size)s)", name=file.original_name,
             format=FORMATS.get(file.content_type, file.content_type), size=size_text(file.size))


def pages_text(count: int) -> str:
    return ngettext("%(num)d page", "%(num)d pages", count)


def date_problem_text(problem: str, document_type: DocumentType) -> str:
    """Why the date given for a document of this type is refused (rules.date_problem codes)."""
    if problem == "required":
        return _("Saisissez la date écrite sur le document, par exemple 02/11/2026 : elle sert à calculer jusqu'à "
                 "quand il est valide.")
    if problem == "future":
        return _("La date du document ne peut pas être après aujourd'hui. Saisissez la date écrite sur le document.")
    if document_type.validity == "school_year":
        return _("Ce document n'est plus valide : il concerne une année scolaire terminée. Envoyez celui de cette "
                 "année.")
    return ngettext("Ce document n'est plus valide : ce type de pièce est valide %(num)d mois à partir de sa date. "
                    "Envoyez un document plus récent.",
                    "Ce document n'est plus valide : ce type de pièce est valide %(num)d mois à partir de sa date. "
                    "Envoyez un document plus récent.", document_type.validity_months or 0)
