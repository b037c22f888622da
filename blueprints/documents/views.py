"""Serving uploaded documents (pièces justificatives) only to the family they belong to and to agents, page by page
(a document may have several files). Recognising and storing them is blueprints/uploads.py.

Every file leaves as a download (attachment, its type by content, nosniff, no cache); an image page may also be
shown in a page (`apercu`, inline, images only: a PDF is never rendered by the site). Agents' reads are logged."""

from __future__ import annotations

from flask import abort, current_app, send_from_directory
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

import clock
from blueprints.documents import bp
from blueprints.families import health
from blueprints.uploads import clean_filename, uploads_dir
from models import Document, DocumentFile, db

PREVIEWABLE = ("image/jpeg", "image/png")


HEALTH_KINDS = ("pai",)  # documents that are health data: need-to-know (families/health.py)


def may_read(document: Document) -> bool:
    """Agents read every document, except a PAI without the right to health data; a parent only their family's."""
    if current_user.is_agent:
        return document.kind not in HEALTH_KINDS or health.may_see_health(current_user)
    return current_user.family_id is not None and current_user.family_id == document.family_id


def readable_file(doc_id: int, page: int) -> DocumentFile:
    """Page `page` of document `doc_id` if the user may read it; 404 otherwise (the same answer as a document that
    does not exist). An agent's read is logged: documents can hold health data (need-to-know access)."""
    document = db.session.execute(
        select(Document).where(Document.id == doc_id).options(selectinload(Document.files))
    ).scalar_one_or_none()
    if document is None or not may_read(document) or not 1 <= page <= len(document.files):
        abort(404)
    if current_user.is_agent:
        current_app.logger.info("document %s (family %s) read by agent %s: page %s", document.id,
                                document.family_id, current_user.id, page)
        if document.kind in HEALTH_KINDS and document.child is not None:  # a health read, in the access log
            health.log_access(current_user, document.child, "Document PAI", clock.now())
            db.session.commit()
    return document.files[page - 1]


def _send(file: DocumentFile, as_attachment: bool):
    response = send_from_directory(
        uploads_dir(), file.stored_name, mimetype=file.content_type, as_attachment=as_attachment,
        download_name=clean_filename(file.original_name, file.content_type), conditional=False, etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/documents/<int:doc_id>")
@bp.route("/documents/<int:doc_id>/pages/<int:page>")
@login_required
def download(doc_id: int, page: int = 1):
    """A stored document's page (the first by default), as a download, to its family and to agents; 404 for anyone
    else."""
    return _send(readable_file(doc_id, page), as_attachment=True)


@bp.route("/documents/<int:doc_id>/pages/<int:page>/apercu")
@login_required
def preview(doc_id: int, page: int):
    """An image page shown in the browser (the agents' review page shows it); 404 for a PDF page."""
    file = readable_file(doc_id, page)
    if file.content_type not in PREVIEWABLE:
        abort(404)
    return _send(file, as_attachment=False)
