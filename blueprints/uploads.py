"""Uploaded documents (pièces justificatives): recognised by content, stored outside static/.

Files live in instance/uploads/ under a random name; the name the parent gave is kept (sanitised) in the
database only, for the download. This module and documents.py (serving) are the only ones that touch that folder.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path

from flask import current_app

# Accepted kinds, recognised by their first bytes (never by the file name or the browser's claimed type).
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
EXTENSIONS = {content_type: ext for _, content_type, ext in SIGNATURES}
MAX_NAME = 120


def detect_type(data: bytes) -> str | None:
    """The content type of `data` from its magic bytes ("application/pdf", "image/jpeg", "image/png"), or None."""
    return next((content_type for magic, content_type, _ in SIGNATURES if data.startswith(magic)), None)


def clean_filename(name: str | None, content_type: str) -> str:
    """The user's file name made harmless for display and download: no folders, no control or quote characters,
    at most MAX_NAME characters, and the extension of the detected type ("certificat.pdf.exe" cannot survive)."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(c for c in stem if unicodedata.category(c)[0] in "LN" or c in " -_.()")
    stem = re.sub(r"\s+", " ", stem).strip(" .")
    ext = EXTENSIONS.get(content_type, "")
    return (stem or "justificatif")[: MAX_NAME - len(ext)] + ext


def uploads_dir() -> Path:
    """instance/uploads (created on first use, readable by the application only)."""
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def store(data: bytes, content_type: str) -> str:
    """Write `data` under a new random name in uploads_dir() and return that name (never an existing file)."""
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    fd = os.open(uploads_dir() / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return stored_name


def discard(stored_name: str) -> None:
    """Remove a stored file (when the database write that referenced it failed)."""
    (uploads_dir() / stored_name).unlink(missing_ok=True)
