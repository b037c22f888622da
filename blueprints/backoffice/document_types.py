"""Back office: the types of documents asked of families (data agents edit): the list, a new type, editing one
(name, help for families, validity rule, whether it concerns a child, whether families may send it). A type is
deactivated, never deleted: the documents sent keep it. Its code (what démarches name it by) is made from its
name when it is created and never changes."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from blueprints.backoffice import bp
from blueprints.documents import service as documents
from blueprints.documents import wording
from blueprints.documents.forms import DocumentTypeForm
from blueprints.htmx import render
from models import DocumentType, db


@bp.route("/pieces/types")
def document_types():
    """Types de pièces: each with its validity rule, whether it concerns a child and whether it is offered."""
    return render("backoffice/document_types.html", types=documents.all_types(), words=wording)


def _save(form: DocumentTypeForm, document_type: DocumentType, created: bool):
    document_type.label, document_type.help_text = form.label.data.strip(), (form.help_text.data or "").strip()
    document_type.validity, document_type.validity_months = form.validity.data, form.validity_months.data
    document_type.per_child, document_type.active = form.per_child.data, form.active.data
    documents.save_type(document_type)
    db.session.commit()
    flash(_("Type de pièce ajouté : %(label)s.", label=document_type.label) if created else
          _("Type de pièce enregistré : %(label)s.", label=document_type.label), "success")
    return redirect(url_for(".document_types"))


@bp.route("/pieces/types/nouveau", methods=["GET", "POST"])
def document_type_new():
    """Ajouter un type de pièce."""
    form = DocumentTypeForm(data={"validity": "none", "active": True})
    if form.validate_on_submit():
        return _save(form, DocumentType(), created=True)
    return render("backoffice/document_type.html", form=form, document_type=None)


@bp.route("/pieces/types/<int:type_id>", methods=["GET", "POST"])
def document_type_edit(type_id: int):
    """Modifier un type de pièce."""
    document_type = db.get_or_404(DocumentType, type_id)
    form = DocumentTypeForm(obj=document_type)
    if form.validate_on_submit():
        return _save(form, document_type, created=False)
    return render("backoffice/document_type.html", form=form, document_type=document_type)
