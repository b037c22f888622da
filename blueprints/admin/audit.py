"""The audit log administrators read: who read health data (HealthAccess), who changed a family's file
(FamilyChange), a booking (ReservationChange) or a request (ProcedureEvent). One list, newest first, filtered by
kind, person who acted, dates and a name; the same lines as CSV. Each source is read with its filters and a limit,
then merged: a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from blueprints.admin import wording
from blueprints.procedures.wording import STATUS
from models import (
    Activity,
    Family,
    FamilyChange,
    HealthAccess,
    Person,
    ProcedureEvent,
    ProcedureRequest,
    ReservationChange,
    Unit,
    User,
    db,
)

PARIS = ZoneInfo("Europe/Paris")
KINDS = ("sante", "dossier", "reservation", "demande")


@dataclass(frozen=True)
class Filters:
    kind: str = ""  # "" or one of KINDS
    actor_id: Optional[int] = None
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    name: str = ""  # part of a child's or a family's name


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str
    actor: str
    subject: str
    detail: str


def _instant(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), PARIS)


def _common(stmt, at_col, actor_col, f: Filters, limit: int):
    if f.actor_id is not None:
        stmt = stmt.where(actor_col == f.actor_id)
    if f.start:
        stmt = stmt.where(at_col >= _instant(f.start))
    if f.end:
        stmt = stmt.where(at_col < _instant(f.end + dt.timedelta(days=1)))
    return stmt.order_by(at_col.desc()).limit(limit)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _actor(user: Optional[User], fallback: str) -> str:
    return (user.display_name or user.email) if user is not None else fallback


def entries(f: Filters, limit: int) -> list[Entry]:
    """The newest `limit` lines matching `f`."""
    found: list[Entry] = []
    system = str(wording.AUDIT_SYSTEM)
    if f.kind in ("", "sante"):
        stmt = db.select(HealthAccess, User).outerjoin(User, HealthAccess.agent_id == User.id)
        if f.name:
            stmt = stmt.where(HealthAccess.child_name.ilike(_like(f.name), escape="\\"))
        for row, user in db.session.execute(_common(stmt, HealthAccess.at, HealthAccess.agent_id, f, limit)):
            found.append(Entry(row.at, "sante", _actor(user, system), row.child_name,
                               str(wording.AUDIT_HEALTH_READ) % {"place": row.place}))
    if f.kind in ("", "dossier"):
        stmt = (db.select(FamilyChange, Family.name, User).join(Family, FamilyChange.family_id == Family.id)
                .outerjoin(User, FamilyChange.actor_id == User.id))
        if f.name:
            stmt = stmt.where(Family.name.ilike(_like(f.name), escape="\\")
                              | FamilyChange.summary.ilike(_like(f.name), escape="\\"))
        for row, family, user in db.session.execute(_common(stmt, FamilyChange.at, FamilyChange.actor_id, f, limit)):
            found.append(Entry(row.at, "dossier", _actor(user, system), str(wording.AUDIT_FAMILY) % {"name": family},
                               row.summary))
    if f.kind in ("", "reservation"):
        stmt = (db.select(ReservationChange, Person.first_name, Person.last_name, Unit.label, Activity.name, User)
                .join(Person, ReservationChange.child_id == Person.id)
                .join(Unit, ReservationChange.unit_id == Unit.id).join(Activity, Unit.activity_id == Activity.id)
                .outerjoin(User, ReservationChange.actor_id == User.id))
        if f.name:
            stmt = stmt.where((Person.first_name + " " + Person.last_name).ilike(_like(f.name), escape="\\"))
        query = _common(stmt, ReservationChange.at, ReservationChange.actor_id, f, limit)
        for row, first, last, unit, activity, user in db.session.execute(query):
            detail = str(wording.AUDIT_BOOKING) % {
                "activity": activity, "unit": unit, "day": row.date.strftime("%d/%m/%Y"),
                "before": wording.booking_state(row.before), "after": wording.booking_state(row.after)}
            if row.reason:
                detail += f" — {row.reason}"
            found.append(Entry(row.at, "reservation", _actor(user, system), f"{first} {last}", detail))
    if f.kind in ("", "demande"):
        stmt = (db.select(ProcedureEvent, ProcedureRequest.number, Family.name, User)
                .join(ProcedureRequest, ProcedureEvent.request_id == ProcedureRequest.id)
                .join(Family, ProcedureRequest.family_id == Family.id)
                .outerjoin(User, ProcedureEvent.actor_id == User.id))
        if f.name:
            stmt = stmt.where(Family.name.ilike(_like(f.name), escape="\\"))
        for row, number, family, user in db.session.execute(
                _common(stmt, ProcedureEvent.at, ProcedureEvent.actor_id, f, limit)):
            if row.kind == "status":
                detail = str(wording.AUDIT_STATUS) % {"before": STATUS.get(row.status_from or "", "—"),
                                                      "after": STATUS.get(row.status_to or "", "—")}
            else:
                detail = str(wording.AUDIT_EVENT_KINDS.get(row.kind, row.kind))
            found.append(Entry(row.at, "demande", _actor(user, system),
                               str(wording.AUDIT_REQUEST) % {"number": number or "—", "name": family}, detail))
    found.sort(key=lambda e: e.at, reverse=True)
    return found[:limit]


def actors() -> list[User]:
    """Who may have acted: agents and administrators (parents are found by the name filter)."""
    return list(db.session.execute(db.select(User).where(User.role.in_(("agent", "admin")))
                                   .order_by(User.display_name, User.email)).scalars())
