"""The Martin and Bernard families of the absence tests, and helpers to act as them (plain functions: each test
module wraps `build_world` in its own `world` fixture). Wednesday 18 November 2026, 19:00 in Paris: Thursday's
bookings closed at 18:00 (cancel until the day before 18:00), Friday's are still open."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import struct
import zlib
from pathlib import Path

from sqlalchemy import func, select
from support import PASSWORD, csrf_from, enroll

from models import Absence, DeadlinePolicy, Reservation, db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
WED, THU, FRI, SUN, MON, TUE, NEXT_THU = (dt.date(2026, 11, d) for d in (18, 19, 20, 22, 23, 24, 26))


# --------------------------------------------------------------------------- real small files


def tiny_pdf() -> bytes:
    """A valid one-page PDF (objects, cross-reference table, trailer)."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)


def tiny_png() -> bytes:
    """A valid 1x1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(
        b"IEND", b"")


def tiny_jpeg() -> bytes:
    """A valid 8x8 grey baseline JPEG: one quantisation table, one-code Huffman tables, one block (DC 0, EOB)."""
    def segment(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data

    one_code = bytes([1] + [0] * 15) + b"\x00"  # a single code of length 1, for symbol 0
    return (b"\xff\xd8" + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f" + b"\xff\xd9")


# --------------------------------------------------------------------------- the world


class World:
    """Léa (Martin) and Chloé (Bernard) share a canteen with one place a day; cancel until the day before 18:00."""


def build_world(app, make_family, make_activity) -> World:
    app.config["CLOCK"] = lambda: NOW
    policy = DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))
    db.session.add(policy)
    db.session.flush()
    activity, unit, period = make_activity(capacity=1, booking_policy_id=policy.id, cancel_policy_id=policy.id)
    martin, parent, (lea,) = make_family("Martin", children=("Léa",))
    bernard, other_parent, (chloe,) = make_family("Bernard", children=("Chloé",))
    enroll(lea, activity, period)
    enroll(chloe, activity, period)
    w = World()
    w.app, w.activity, w.unit, w.period = app, activity, unit, period
    w.martin, w.parent, w.lea, w.bernard, w.other_parent, w.chloe = martin, parent, lea, bernard, other_parent, chloe
    return w


def set_clock(world: World, moment: dt.datetime) -> None:
    world.app.config["CLOCK"] = lambda: moment


def add_absence(world: World, start=THU, end=SUN, days=(THU, FRI), status="signalled", **columns) -> Absence:
    """Léa absent from `start` to `end`, her bookings of `days` kept as absent (signalled too late to cancel)."""
    row = Absence(child_id=world.lea.id, start_date=start, end_date=end, reason="Malade", created_at=NOW,
                  created_by_id=world.parent.id, status=status, **columns)
    db.session.add(row)
    db.session.flush()
    for day in days:
        db.session.add(Reservation(child_id=world.lea.id, unit_id=world.unit.id, date=day, state="absent",
                                   absence_id=row.id, requested_at=NOW))
    db.session.commit()
    return row


def login(client, user) -> None:
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302


def book(child, unit, day, state="reserved", at=dt.datetime(2026, 10, 1, 8, 0, tzinfo=UTC)) -> Reservation:
    row = Reservation(child_id=child.id, unit_id=unit.id, date=day, state=state, requested_at=at)
    db.session.add(row)
    db.session.commit()
    return row


def states(child) -> dict[dt.date, str]:
    db.session.expire_all()
    rows = db.session.execute(select(Reservation).where(Reservation.child_id == child.id)).scalars()
    return {r.date: r.state for r in rows}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's first form (the recap's dates, reason, one-time number and CSRF token), as a
    browser would send them back."""
    form = page[page.index("<form", page.index("<main")):]
    form = form[:form.index("</form>")]
    fields = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', form):
        name, value = re.search(r'name="([^"]*)"', tag).group(1), re.search(r'value="([^"]*)"', tag).group(1)
        fields[name] = html.unescape(value)
    return fields


def recap(client, child, start, end, reason="", headers=None):
    """Step 1: the form, answered by the recap page (nothing written)."""
    page = client.get(f"/enfants/{child.id}/absences")
    data = {"start_date": start, "end_date": end, "reason": reason, "csrf_token": csrf_from(page.text)}
    return client.post(f"/enfants/{child.id}/absences", data=data, headers=headers or {})


def confirm(client, child, recap_page, headers=None):
    """Step 2: "Confirmer l'absence" on the recap, with what the recap carries."""
    return client.post(f"/enfants/{child.id}/absences/confirmer", data=hidden_fields(recap_page.text),
                       headers=headers or {})


def signal(client, child, start, end, reason=""):
    """Both steps: the recap, then its confirmation."""
    page = recap(client, child, start, end, reason)
    assert page.status_code == 200 and "Confirmer l'absence" in page.text, page.text
    return confirm(client, child, page)


def upload(client, child, absence, content: bytes, name="certificat.pdf", mimetype="application/pdf", token=True):
    url = f"/enfants/{child.id}/absences/{absence.id}/justificatif"
    page = client.get(url)
    data = {"certificate": (io.BytesIO(content), name, mimetype)}
    if token:
        data["csrf_token"] = csrf_from(page.text)
    return client.post(url, data=data, content_type="multipart/form-data")


def uploaded_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []
