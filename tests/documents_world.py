"""The families of the documents tests and helpers to act as them (plain functions: each test module wraps
`build_world` in its own fixture). Monday 23 November 2026, 10:00 in Paris; the common document types seeded."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from absences_world import tiny_jpeg, tiny_pdf, tiny_png  # noqa: F401  (real small files, re-exported)
from sqlalchemy import func, select
from support import PASSWORD, csrf_from

from blueprints.documents import service as documents
from models import Document, db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = dt.date(2026, 11, 23)


def tiny_heic() -> bytes:
    """A real 64x48 HEIC photo (what an iPhone sends), encoded with pillow-heif."""
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="HEIF", quality=50)
    return out.getvalue()


class World:
    """Martin (Léa, Hugo) and Bernard (Chloé) families, logins for both, the types."""


def build_world(app, make_family) -> World:
    app.config["CLOCK"] = lambda: NOW
    documents.ensure_default_types()
    db.session.commit()
    world = World()
    world.app = app
    world.martin, world.parent, (world.lea, world.hugo) = make_family("Martin", children=("Léa", "Hugo"))
    world.bernard, world.other_parent, (world.chloe,) = make_family("Bernard", children=("Chloé",))
    return world


def set_clock(world, at: dt.datetime) -> None:
    world.app.config["CLOCK"] = lambda: at


def login(client, user) -> None:
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302


def upload(client, *files, type_code="justificatif_domicile", child=None, date="2026-11-02", token=True,
           replaces=None, token_value=None, csrf=True):
    """Post the upload form as a browser does: `files` are (bytes, name) pairs (or bytes, named page1.pdf...)."""
    query = f"?remplace={replaces.id}" if replaces is not None else ""
    page = client.get("/pieces/deposer" + query)
    data = {"type_code": type_code, "child_id": str(child.id) if child else "", "document_date": date,
            "files": [(io.BytesIO(f[0]), f[1]) if isinstance(f, tuple) else (io.BytesIO(f), f"page{i}.pdf")
                      for i, f in enumerate(files, start=1)]}
    if csrf:
        data["csrf_token"] = csrf_from(page.text)
    if token:
        data["token"] = token_value or re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', page.text).group(1)
    return client.post("/pieces/deposer" + query, data=data, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def uploaded_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def only_document() -> Document:
    return db.session.execute(select(Document)).scalar_one()
