"""Mes pièces justificatives (family pages): the family's documents by type with where each stands, the upload form
(a type, the child it concerns, its date, one or several files), a document's page with its pages, and deleting a
document no agent has looked at yet. Pages and redirects only: the same with and without JavaScript.

Every look-up is scoped to the logged-in family (another family's document: 404, as a missing one). The writes
are documents/service.py's, the rules documents/rules.py's.
"""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

import clock
from blueprints import uploads
from blueprints.access import current_family, parents_only
from blueprints.documents import bp, rules, wording
from blueprints.documents import service as documents
from blueprints.documents.forms import UploadForm
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from models import Document, Family, db


def get_document_or_404(doc_id: int) -> Document:
    document = documents.family_document(current_user.family_id, doc_id)
    if document is None:
        abort(404)
    return document


@bp.route("/pieces")
@parents_only
def index():
    """Mes pièces justificatives: the family's documents in the order of their types, each with its state in
    words."""
    today = clock.today()
    listed = documents.family_documents(current_user.family_id, today)
    return render("documents/index.html", listed=listed, count=len(listed), words=wording,
                  attention=sum(1 for item in listed if item.state in rules.NEEDS_ACTION))


def _upload_page(form: UploadForm, family: Family, replaced: Document | None, extra=()):
    replaced_label = wording.state_label(rules.state(replaced.status, replaced.valid_until, clock.today())) \
        if replaced else None
    return render("documents/upload.html", form=form, family=family, replaced=replaced, extra=list(extra),
                  page_errors=bool(extra), words=wording, replaced_label=replaced_label)


def _replaced(family: Family) -> Document | None:
    """The document the form replaces (?remplace=<id>, or the hidden field), if the family may replace it."""
    raw = request.values.get("remplace", "")
    if not raw:
        return None
    document = documents.family_document(family.id, int(raw)) if raw.isdigit() else None
    if document is None or document.replaced_at is not None or not rules.can_replace(
            rules.state(document.status, document.valid_until, clock.today())):
        abort(404)
    return document


@bp.route("/pieces/deposer", methods=["GET", "POST"])
@parents_only
def upload():
    """Déposer une pièce (or replace a refused, expired or expiring one: its type and child are kept). Files are
    checked by content; on any error nothing is stored. A form sent twice stores one document."""
    family = current_family()
    token = request.form.get("token", "")
    if request.method == "POST" and token and (done := documents.find_by_token(token)):
        return _already_stored(done)
    replaced = _replaced(family)
    types = {t.code: t for t in documents.active_types()}
    form = UploadForm(types=types, children=family.children, today=clock.today())
    if not form.is_submitted():
        form.token.data = secrets.token_hex(16)
        form.type_code.data = replaced.type.code if replaced else request.args.get("type")
        form.child_id.data = str(replaced.child_id or "") if replaced else request.args.get("enfant", "")
    elif replaced is not None:  # a replacement keeps the type and the child of the document it replaces
        if replaced.type.code not in types:
            abort(404)
        form.type_code.data, form.child_id.data = replaced.type.code, str(replaced.child_id or "")
    if not form.validate_on_submit():
        extra = [(None, message) for message in form.token.errors]
        form.token.errors = []
        return _upload_page(form, family, replaced, extra)
    return _store(form, family, replaced)


def _store(form: UploadForm, family: Family, replaced: Document | None):
    document = documents.store_upload(
        family.id, form.type_code.data, form.files.checked, now=clock.now(), actor_id=current_user.id,
        child_id=int(form.child_id.data) if form.child_id.data else None, document_date=form.document_date.data,
        replaces=replaced, token=form.token.data)
    try:
        with documents.files_removed_on_failure(document):
            db.session.commit()
    except IntegrityError:  # the same form sent twice at once: the other request stored it
        done = documents.find_by_token(form.token.data)
        if done is None:
            raise
        return _already_stored(done)
    flash(_("Pièce déposée : %(title)s. Le service Enfance va la vérifier ; vous recevrez un e-mail si elle est "
            "refusée.", title=wording.title(document)), "success")
    return redirect(url_for(".detail", doc_id=document.id))


def _already_stored(document: Document):
    if document.family_id != current_user.family_id:  # another family's number: as unknown as its document
        abort(404)
    flash(_("Cette pièce est déjà déposée : la voici."), "info")
    return redirect(url_for(".detail", doc_id=document.id))


@bp.route("/pieces/<int:doc_id>")
@parents_only
def detail(doc_id: int):
    """A document: where it stands, its dates, its pages (each to download), and what the family may do."""
    document = get_document_or_404(doc_id)
    state = rules.state(document.status, document.valid_until, clock.today())
    return render("documents/detail.html", document=document, state=state, **_facts(document, state))


def _facts(document: Document, state: str) -> dict:
    return {"words": wording, "title": wording.title(document), "label": wording.state_label(state),
            "sentence": wording.state_text(document, state),
            "period": wording.period_text(document.valid_from, document.valid_until),
            "can_delete": rules.can_delete(document.status, document.used_at is not None),
            "can_replace": document.replaced_at is None and rules.can_replace(state)}


@bp.route("/pieces/<int:doc_id>/supprimer", methods=["GET", "POST"])
@parents_only
def delete(doc_id: int):
    """Supprimer une pièce (confirmation, then deletion): only one no agent has looked at and no démarche uses. A
    replay (already deleted) is told so, as for an unknown document."""
    form = EmptyForm()
    document = documents.family_document(current_user.family_id, doc_id)
    if document is None:
        if form.is_submitted():
            flash(_("Cette pièce n'est plus dans votre espace : rien n'a été modifié."), "info")
            return redirect(url_for(".index"))
        abort(404)
    state = rules.state(document.status, document.valid_until, clock.today())
    facts = _facts(document, state)
    if not facts["can_delete"] or not form.validate_on_submit():
        return render("documents/delete.html", document=document, state=state, form=form,
                      page_errors=form.is_submitted(), **facts)
    names = documents.delete(document)
    db.session.commit()
    for name in names:
        uploads.discard(name)
    flash(_("Pièce supprimée : %(title)s.", title=facts["title"]), "success")
    return redirect(url_for(".index"))
