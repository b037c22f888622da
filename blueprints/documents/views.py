"""Serving uploaded documents (pièces justificatives) only to the family they belong to and to agents.
Recognising and storing them is blueprints/uploads.py."""

from __future__ import annotations

from flask import abort, current_app, send_from_directory
from flask_login import current_user, login_required

from blueprints.documents import bp
from blueprints.uploads import clean_filename, uploads_dir
from models import Document, db


def may_read(document: Document) -> bool:
    """Agents read every document; a parent only their own family's."""
    if current_user.is_agent:
        return True
    return current_user.family_id is not None and current_user.family_id == document.family_id


@bp.route("/documents/<int:doc_id>")
@login_required
def download(doc_id: int):
    """A stored document, as a download, to its family and to agents; 404 for anyone else (same answer as a
    document that does not exist)."""
    document = db.session.get(Document, doc_id)
    if document is None or not may_read(document):
        abort(404)
    if current_user.is_agent:  # supporting documents can hold health data: need-to-know access is logged
        current_app.logger.info("document %s (family %s) read by agent %s", document.id, document.family_id,
                                current_user.id)
    response = send_from_directory(
        uploads_dir(), document.stored_name, mimetype=document.content_type, as_attachment=True,
        download_name=clean_filename(document.original_name, document.content_type), conditional=False, etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
