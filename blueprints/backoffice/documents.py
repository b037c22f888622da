"""Back office: "Pièces à valider" (oldest first; filtered by type and by state) and one document's review: its
pages (shown or downloaded through blueprints/documents, agents' reads logged there), validate it (optionally
correcting its validity dates) or refuse it with a reason (required), the family e-mailed a link only; a validated
document's dates can be corrected afterwards.

Routes only: the writes are documents/service.py's, the e-mail leaves after the commit (blueprints/notify.py).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

import clock
import mail
from blueprints.backoffice import bp
from blueprints.documents import rules, wording
from blueprints.documents import service as documents
from blueprints.documents.forms import RefusalForm, ValidityForm
from blueprints.htmx import render
from blueprints.notify import mail_family
from models import Document, Family, db

MAX_LISTED = 200


def filter_labels() -> dict[str, str]:
    return {"a_valider": _("À valider"), "expire_bientot": _("Expirent bientôt"), "expiree": _("Expirées"),
            "validee": _("Validées"), "refusee": _("Refusées"), "toutes": _("Toutes")}


@bp.route("/pieces")
def documents_queue():
    """Pièces à valider (default: awaiting validation, the oldest first), or another state; one type or all.
    A GET form: the filters are in the address (bookmarkable, no JavaScript needed)."""
    labels = filter_labels()
    kind = request.args.get("etat", "a_valider")
    kind = kind if kind in labels else "a_valider"
    types = documents.all_types()
    type_id = request.args.get("type", "")
    chosen = next((t for t in types if str(t.id) == type_id), None)
    rows = documents.queue(kind, chosen.id if chosen else None, clock.today(), MAX_LISTED)
    return render("backoffice/documents.html", rows=rows, kind=kind, labels=labels, types=types, chosen=chosen,
                  more=len(rows) == MAX_LISTED, words=wording)


def get_document_or_404(doc_id: int) -> Document:
    document = db.session.execute(
        select(Document).where(Document.id == doc_id, Document.kind == documents.KIND)
        .options(joinedload(Document.type), joinedload(Document.child), selectinload(Document.files))
    ).scalar_one_or_none()
    if document is None:
        abort(404)
    return document


def _review_page(document: Document, validity: ValidityForm | None = None, refusal: RefusalForm | None = None):
    state = rules.state(document.status, document.valid_until, clock.today())
    if validity is None:
        validity = ValidityForm(data={"valid_from": document.valid_from, "valid_until": document.valid_until})
    refusal = refusal or RefusalForm()
    return render("backoffice/document.html", document=document, state=state, words=wording,
                  family=db.session.get(Family, document.family_id), title=wording.title(document),
                  validity=validity, refusal=refusal, page_errors=bool(validity.errors or refusal.errors),
                  replaced=db.session.get(Document, document.replaces_id) if document.replaces_id else None)


@bp.route("/pieces/<int:doc_id>")
def document_review(doc_id: int):
    """One document: the family, the type, the child, the dates, each page (image pages shown), where it stands,
    and the decision while it awaits one."""
    return _review_page(get_document_or_404(doc_id))


def _already_reviewed(document: Document):
    flash(_("Cette pièce a déjà été traitée : rien n'a été modifié."), "info")
    return redirect(url_for(".document_review", doc_id=document.id))


@bp.route("/pieces/<int:doc_id>/valider", methods=["POST"])
def document_validate(doc_id: int):
    """Valider, with the validity dates as shown (computed from the type and the document's date) or corrected."""
    document = get_document_or_404(doc_id)
    if document.status != "submitted":
        return _already_reviewed(document)
    form = ValidityForm()
    if not form.validate_on_submit():
        return _review_page(document, validity=form)
    documents.validate(document, current_user.id, clock.now(), form.valid_from.data, form.valid_until.data)
    db.session.commit()
    flash(_("Pièce validée : %(title)s, famille %(family)s (%(period)s).", title=wording.title(document),
            family=db.session.get(Family, document.family_id).name,
            period=wording.period_text(document.valid_from, document.valid_until)), "success")
    return redirect(url_for(".documents_queue"))


@bp.route("/pieces/<int:doc_id>/refuser", methods=["POST"])
def document_refuse(doc_id: int):
    """Refuser, with a reason (required): the family gets an e-mail with a link to the portal (no personal data in
    it), where it reads the reason and can send another document."""
    document = get_document_or_404(doc_id)
    if document.status != "submitted":
        return _already_reviewed(document)
    form = RefusalForm()
    if not form.validate_on_submit():
        return _review_page(document, refusal=form)
    documents.refuse(document, form.refusal_reason.data, current_user.id, clock.now())
    db.session.commit()
    family = db.session.get(Family, document.family_id)
    sent = mail_family(family.id, _("Une pièce justificative a été refusée"), "documents/mail_refused",
                       link=mail.external_url("documents.detail", doc_id=document.id))
    message = _("Pièce refusée : %(title)s, famille %(family)s.", title=wording.title(document), family=family.name)
    if sent:
        flash(message + " " + _("La famille a reçu un e-mail : elle lira le motif sur le portail."), "success")
    else:
        flash(message + " " + _("Aucun e-mail n'a pu être envoyé : prévenez la famille par téléphone."), "error")
    return redirect(url_for(".documents_queue"))


@bp.route("/pieces/<int:doc_id>/dates", methods=["POST"])
def document_dates(doc_id: int):
    """Corriger les dates de validité of a validated document."""
    document = get_document_or_404(doc_id)
    if document.status != "validated":
        abort(404)
    form = ValidityForm()
    if not form.validate_on_submit():
        return _review_page(document, validity=form)
    documents.correct_dates(document, form.valid_from.data, form.valid_until.data)
    db.session.commit()
    flash(_("Dates de validité enregistrées : %(period)s.",
            period=wording.period_text(document.valid_from, document.valid_until)), "success")
    return redirect(url_for(".document_review", doc_id=document.id))
