"""The audit trail (ReservationChange) read back for agents: one query per page, filtered, newest first, and its
lines in words ("Réservé" -> "Annulé", who, through which channel).

Read only: every line was written by service.record(). The back office turns GET parameters into a
`HistoryFilter` (blueprints/backoffice/history.py); nothing here reads the request or the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from blueprints.reservations import wording
from models import Activity, Person, ReservationChange, Unit, User, db

PAGE_SIZE = 50
MAX_PAGE = 10_000  # an offset beyond this is a forged URL: page 1 instead

STATE_WORDS = {
    "reserved": _l("Réservé"),
    "waiting": _l("Liste d'attente"),
    "absent": _l("Absence signalée"),
    "justified": _l("Absence justifiée"),
}
VIA_WORDS = {
    "portal": _l("Portail familles"),
    "agent": _l("Gestion (agent)"),
    "system": _l("Système"),
}


@dataclass(frozen=True)
class HistoryFilter:
    """Which lines to show: one child's, booked days in [start, end], one activity or one unit, one channel, an
    author whose name or e-mail contains `author`. None = no restriction."""

    child_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    activity_id: int | None = None
    unit_id: int | None = None
    via: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class ChangeLine:
    """One line of the history, with what the page says about it."""

    at: dt.datetime
    day: dt.date
    child_id: int
    child_name: str
    unit_label: str
    activity_name: str
    before: str | None
    after: str | None
    actor_name: str | None
    actor_role: str | None
    via: str
    reason: str

    @property
    def what(self) -> str:
        """"Repas du lundi 23 novembre 2026"."""
        return _("%(slot)s du %(day)s", slot=self.unit_label, day=wording.format_long_date(self.day))

    @property
    def before_text(self) -> str:
        return str(STATE_WORDS.get(self.before, self.before)) if self.before else _("Pas de réservation")

    @property
    def after_text(self) -> str:
        return str(STATE_WORDS.get(self.after, self.after)) if self.after else _("Annulé")

    @property
    def who(self) -> str:
        """"Sophie Martin (famille)", "Agent Test (agent)", or "Système" for a change nobody made by hand."""
        if self.actor_name is None:
            return _("Système")
        if self.actor_role == "parent":
            return _("%(name)s (famille)", name=self.actor_name)
        return _("%(name)s (agent)", name=self.actor_name)

    @property
    def via_text(self) -> str:
        return str(VIA_WORDS.get(self.via, self.via))


def _statement(f: HistoryFilter):
    stmt = (
        select(ReservationChange, Unit.label, Activity.name, Person.first_name, Person.last_name,
               User.display_name, User.email, User.role)
        .join(Unit, Unit.id == ReservationChange.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .join(Person, Person.id == ReservationChange.child_id)
        .outerjoin(User, User.id == ReservationChange.actor_id)
    )
    if f.child_id is not None:
        stmt = stmt.where(ReservationChange.child_id == f.child_id)
    if f.start is not None:
        stmt = stmt.where(ReservationChange.date >= f.start)
    if f.end is not None:
        stmt = stmt.where(ReservationChange.date <= f.end)
    if f.unit_id is not None:
        stmt = stmt.where(ReservationChange.unit_id == f.unit_id)
    if f.activity_id is not None:
        stmt = stmt.where(Unit.activity_id == f.activity_id)
    if f.via is not None:
        stmt = stmt.where(ReservationChange.via == f.via)
    if f.author:
        stmt = stmt.where(or_(User.display_name.icontains(f.author, autoescape=True),
                              User.email.icontains(f.author, autoescape=True)))
    return stmt.order_by(ReservationChange.at.desc(), ReservationChange.id.desc())


def changes(f: HistoryFilter, page: int = 1, size: int = PAGE_SIZE) -> tuple[list[ChangeLine], bool]:
    """The lines of page `page` (1-based), newest first, and whether a next page exists: one query (size + 1 rows,
    users joined for the names)."""
    page = page if 1 <= page <= MAX_PAGE else 1
    rows = db.session.execute(_statement(f).limit(size + 1).offset((page - 1) * size)).all()
    lines = [
        ChangeLine(at=c.at, day=c.date, child_id=c.child_id, child_name=f"{first} {last}", unit_label=label,
                   activity_name=activity, before=c.before, after=c.after,
                   actor_name=(name or email) if role else None, actor_role=role, via=c.via, reason=c.reason)
        for c, label, activity, first, last, name, email, role in rows[:size]
    ]
    return lines, len(rows) > size
