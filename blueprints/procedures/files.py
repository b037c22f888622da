"""Files sent with a démarche (required documents, a PAI): checked by content (uploads.check_upload, the one check:
size, PDF/JPEG/PNG, HEIC converted), stored, made a Document of the family with its file."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from blueprints import uploads
from models import Document, DocumentFile


def read(storage) -> tuple[bytes, str, str] | str:
    """(content, content type, cleaned name) of an uploaded file, or the French reason it is refused."""
    try:
        checked = uploads.check_upload(storage, current_app.config["UPLOAD_MAX_BYTES"])
    except uploads.UploadRefused as refused:
        return str(refused.message)
    return checked.data, checked.content_type, checked.name


def new_document(family_id: int, child_id: int | None, kind: str, storage, content: bytes, content_type: str,
                 name: str, now: dt.datetime, user_id: int) -> Document:
    """Store the file and return its Document row with its one page (not added to the session yet). The caller
    removes the stored file (uploads.discard(document.stored_name)) if its transaction fails."""
    stored_name = uploads.store(content, content_type)
    return Document(family_id=family_id, child_id=child_id, kind=kind[:30], uploaded_at=now, uploaded_by_id=user_id,
                    files=[DocumentFile(position=1, original_name=name, stored_name=stored_name,
                                        content_type=content_type, size=len(content))])
