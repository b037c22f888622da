"""Uploaded documents (pièces justificatives): checked and recognised by content, stored outside static/.

`check_upload` reads one uploaded file and says in French what is wrong with it (empty, too big, not a PDF, JPEG
or PNG); an iPhone photo (HEIC/HEIF) is converted to JPEG (pillow-heif), or refused with the setting to change.
Files live in instance/uploads/ under a random name; the name the parent gave is kept (sanitised) in the
database only, for the download. This module and blueprints/documents (serving) are the only ones that touch that
folder.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Accepted kinds, recognised by their first bytes (never by the file name or the browser's claimed type).
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
EXTENSIONS = {content_type: ext for _magic, content_type, ext in SIGNATURES}
MAX_NAME = 120
MB = 1024 * 1024
# ISO base media files whose brand says HEIF: what an iPhone (or a recent Android) saves its photos as.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
MAX_PIXELS = 50_000_000  # a 48 MP iPhone photo; larger images are refused rather than decoded (memory)
HEIC_MAX_SIDE = 4000  # converted photos are scaled down to this: enough to read any paper, a few MB
HEIC_JPEG_QUALITY = 85
PDF_TAIL = 4096  # a PDF ends with "%%EOF" (a few bytes of padding after it are tolerated)


class UploadRefused(ValueError):
    """A file that cannot be accepted: `message` says why in French (a lazy string, formatted with numbers only),
    `name` is the file's own name (made harmless) for a form that takes several files and says which one."""

    def __init__(self, message, name: str):
        super().__init__(message)
        self.message, self.name = message, name


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file: its bytes (converted to JPEG for an HEIC photo), its type by content, its cleaned name."""

    data: bytes
    content_type: str
    name: str


def detect_type(data: bytes) -> str | None:
    """The content type of `data` from its magic bytes ("application/pdf", "image/jpeg", "image/png"), or None."""
    return next((content_type for magic, content_type, _ext in SIGNATURES if data.startswith(magic)), None)


def is_heif(data: bytes) -> bool:
    """An HEIC/HEIF image (iPhone photo): an ISO media file whose `ftyp` box names a HEIF brand."""
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    box = data[8:max(12, min(size, 64))]
    brands = {box[i:i + 4] for i in range(0, len(box) - 3, 4)}  # major brand, version, compatible brands
    return bool(brands & HEIF_BRANDS) and b"avif" not in brands


def well_formed(data: bytes, content_type: str) -> bool:
    """Beyond its first bytes, the file is what it says: a PDF ends with "%%EOF", an image's header can be read
    (Pillow, without decoding the pixels) and a PNG's checksums are right. Text or a page that merely starts like a
    PDF or a JPEG is refused."""
    if content_type == "application/pdf":
        return b"%%EOF" in data[-PDF_TAIL:]
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format not in ("JPEG", "PNG") or width * height > MAX_PIXELS:
                return False
            image.verify()
    except Exception:  # noqa: BLE001  (any reading error means a damaged or disguised file)
        return False
    return True


def heif_to_jpeg(data: bytes) -> bytes | None:
    """The HEIC photo as a JPEG (turned upright, scaled down to HEIC_MAX_SIDE, without its EXIF data: no place or
    phone details), or None when it cannot be read (pillow-heif missing, damaged file, too many pixels)."""
    try:
        import pillow_heif
        from PIL import ImageOps
    except ImportError:  # pragma: no cover (pillow-heif is in requirements.txt)
        return None
    try:
        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        width, height = heif.size
        if width * height > MAX_PIXELS:
            return None
        image = ImageOps.exif_transpose(heif.to_pillow()).convert("RGB")
        image.thumbnail((HEIC_MAX_SIDE, HEIC_MAX_SIDE))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=HEIC_JPEG_QUALITY, optimize=True)
        return out.getvalue()
    except Exception:  # noqa: BLE001  (a damaged or unusual file: refused with the advice, never a 500)
        current_app.logger.info("HEIC photo could not be converted", exc_info=True)
        return None


def check_upload(storage, limit: int) -> CheckedFile:
    """Read one uploaded file (a werkzeug FileStorage) and accept it, or raise UploadRefused: empty, more than
    `limit` bytes, not a PDF, JPEG or PNG by its content (whatever its name says). An HEIC photo is converted to
    JPEG (the limit applies to the result too)."""
    name = display_name(storage.filename)
    data = storage.stream.read(limit + 1)
    if not data:
        raise UploadRefused(_l("Le fichier est vide. Choisissez un autre fichier."), name)
    if len(data) > limit:
        raise UploadRefused(_l("Le fichier dépasse %(mb)s Mo. Envoyez un fichier plus léger (par exemple une photo "
                              "moins grande, ou une page par fichier).", mb=limit // MB), name)
    content_type = detect_type(data)
    if content_type is None and is_heif(data):
        data = heif_to_jpeg(data)
        if data is None or len(data) > limit:
            raise UploadRefused(_l(
                "La photo est au format HEIC (iPhone) et n'a pas pu être convertie. Sur l'iPhone, ouvrez Réglages > "
                "Appareil photo > Formats et choisissez « Le plus compatible », puis reprenez la photo ; ou envoyez "
                "une capture d'écran de la photo."), name)
        content_type = "image/jpeg"
    if content_type is not None and not well_formed(data, content_type):
        raise UploadRefused(_l("Le fichier est abîmé ou incomplet : il ne peut pas être lu. Enregistrez-le à nouveau "
                              "puis recommencez."), name)
    if content_type is None:
        raise UploadRefused(_l("Le fichier n'est pas un PDF, un JPEG ou un PNG. Enregistrez-le dans l'un de ces "
                              "formats puis recommencez."), name)
    return CheckedFile(data, content_type, clean_filename(storage.filename, content_type))


def display_name(name: str | None) -> str:
    """The file's own name, harmless and short, to name it in a message ("IMG_0042.HEIC")."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return (base[:60] + "…") if len(base) > 61 else (base or _("sans nom"))


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
