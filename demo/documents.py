"""Demo supporting documents (pièces justificatives), relative to `today`: the Martin family has one in each state
(valid, expiring soon, expired, awaiting validation with two pages, refused with a reason) and the Bernard family
one awaiting validation, so the agents' queue is not empty. Their files are small generated ones (a one-page PDF
that says it is a demo, a small PNG) written to instance/uploads at seed time.
"""

from __future__ import annotations

import datetime as dt
import zlib
from struct import pack

from blueprints import uploads
from blueprints.documents import rules
from blueprints.documents import service as documents
from models import Document, DocumentFile, Family, User, db

DAY = dt.timedelta(days=1)
REFUSAL = "Il manque la deuxième page de l'avis d'imposition : envoyez toutes les pages."
# (family, type, child's first name or None, status, document date from `today`, uploaded days ago, pages)
DOCUMENTS = (
    ("Martin", "rib", None, "validated", None, 40, ("pdf",)),
    ("Martin", "assurance_scolaire", "Léa", "validated", -50, 45, ("pdf",)),
    ("Martin", "justificatif_domicile", None, "validated", "expiring", 60, ("pdf",)),
    ("Martin", "attestation_caf_msa", None, "validated", "expired", 100, ("pdf",)),
    ("Martin", "carnet_vaccination", "Hugo", "submitted", None, 1, ("pdf", "png")),
    ("Martin", "avis_imposition", None, "refused", -70, 8, ("pdf",)),
    ("Bernard", "justificatif_domicile", None, "submitted", -20, 2, ("png",)),
)


def demo_pdf(title: str) -> bytes:
    """A valid one-page PDF with one line of text (Helvetica), a few hundred bytes."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 40 760 Td (" + text + b") Tj 0 -24 Td (Document de demonstration) Tj ET"
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
              b"/Resources << /Font << /F1 5 0 R >> >> >>",
              b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
              b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)


def demo_png(width: int = 120, height: int = 160) -> bytes:
    """A small grey "page" with darker lines, as a PNG (no library needed)."""
    rows = b""
    for y in range(height):
        line = 90 if y % 16 in (0, 1) and 12 < y < height - 12 else 235
        rows += b"\x00" + bytes([line if 10 < x < width - 10 else 250 for x in range(width)])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    header = pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _document_date(document_type, spec, today: dt.date) -> dt.date | None:
    """The date written on the document: days from `today`, or a date that makes it expire soon or have expired."""
    if spec is None:
        return None
    if isinstance(spec, int):
        return today + spec * DAY
    months = document_type.validity_months or 3
    start = rules.add_months(today, -months)
    return start + (12 * DAY if spec == "expiring" else -20 * DAY)


def add_documents(families: list[Family], users: dict[str, User], logins: dict[str, str], agent: User,
                  now: dt.datetime, today: dt.date) -> list[Document]:
    """The demo documents (flush): the types first (a database built without the migrations has none)."""
    documents.ensure_default_types()
    by_name = {f.name: f for f in families}
    added = []
    for family_name, code, child_name, status, date_spec, days_ago, pages in DOCUMENTS:
        family = by_name[family_name]
        document_type = documents.type_by_code(code)
        child = next((p for p in family.members if p.role == "child" and p.first_name == child_name), None)
        document_date = _document_date(document_type, date_spec, today)
        valid_from, valid_until = rules.validity_period(document_type.validity, document_type.validity_months,
                                                        document_date)
        uploaded_at = min(now - days_ago * DAY, now - dt.timedelta(hours=2))
        files = []
        for position, kind in enumerate(pages, start=1):
            data = demo_pdf(document_type.label) if kind == "pdf" else demo_png()
            content_type = "application/pdf" if kind == "pdf" else "image/png"
            name = f"{code.replace('_', '-')}-{position}.{kind}"
            files.append(DocumentFile(position=position, original_name=name, content_type=content_type,
                                      size=len(data), stored_name=uploads.store(data, content_type)))
        reviewed = status != "submitted"
        added.append(Document(
            family_id=family.id, child_id=child.id if child else None, kind=documents.KIND, type_id=document_type.id,
            status=status, document_date=document_date, valid_from=valid_from, valid_until=valid_until,
            uploaded_at=uploaded_at, uploaded_by_id=users[logins[family_name]].id, files=files,
            reviewed_at=min(uploaded_at + dt.timedelta(hours=20), now - dt.timedelta(hours=1)) if reviewed else None,
            reviewed_by_id=agent.id if reviewed else None, refusal_reason=REFUSAL if status == "refused" else ""))
    db.session.add_all(added)
    db.session.flush()
    return added
