"""Files sent with a démarche (required documents, a PAI): checked by content, stored, made a Document of the
family. The one place to switch to the documents space's service once it exists."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l

from blueprints import uploads
from models import Document


def read(storage) -> tuple[bytes, str] | str:
    """(content, content type) of an uploaded file, or the French reason it is refused."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = storage.stream.read(limit + 1)
    if not data:
        return str(_l("Le fichier est vide : choisissez un autre fichier."))
    if len(data) > limit:
        return str(_l("Le fichier dépasse %(mb)s Mo : envoyez un fichier plus léger (par exemple une photo moins "
                      "grande).", mb=limit // (1024 * 1024)))
    content_type = uploads.detect_type(data)
    if content_type is None:
        return str(_l("Le fichier n'est pas un PDF, un JPEG ou un PNG : enregistrez-le dans l'un de ces formats."))
    return data, content_type


def new_document(family_id: int, child_id: int | None, kind: str, storage, content: bytes, content_type: str,
                 now: dt.datetime, user_id: int) -> Document:
    """Store the file and return its Document row (not added to the session yet). The caller removes the stored file
    (uploads.discard) if its transaction fails."""
    stored_name = uploads.store(content, content_type)
    return Document(family_id=family_id, child_id=child_id, kind=kind[:30],
                    original_name=uploads.clean_filename(storage.filename, content_type), stored_name=stored_name,
                    content_type=content_type, size=len(content), uploaded_at=now, uploaded_by_id=user_id)
