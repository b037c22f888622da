"""The parent's space: "Mon accueil" (dashboard) and each child's page, always scoped to the logged-in family."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

import clock
from blueprints.absences import service as absences
from blueprints.absences.rules import CERTIFICATE_EXPECTED
from blueprints.access import current_family, get_child_or_404
from blueprints.documents import service as documents
from blueprints.family import bp
from blueprints.htmx import render
from blueprints.news import service as news
from blueprints.news import wording as news_wording
from blueprints.procedures import service as procedures
from blueprints.reservations import rules, wording
from models import (
    Absence,
    Enrollment,
    Family,
    Person,
    Reservation,
    Unit,
    db,
)


@dataclass
class ToDo:
    """Something the family should act on, shown first on "Mon accueil"."""

    child: Person
    kind: str  # justify | resend (the certificate was refused) | waiting
    text: str
    absence_id: int | None = None


def family_todo(family: Family) -> list[ToDo]:
    """Absences still awaiting a certificate, or another one after a refusal (within their window), and upcoming
    waiting-list entries (3 queries). A certificate awaiting the agents' validation asks nothing of the family."""
    now = clock.now()
    today = now.astimezone(rules.PARIS).date()
    children = {c.id: c for c in family.children}
    if not children:
        return []
    held = exists().where(Reservation.child_id == Absence.child_id, Reservation.state == "absent",
                          Reservation.date.between(Absence.start_date, Absence.end_date))
    pending = db.session.execute(
        select(Absence).where(Absence.child_id.in_(children), Absence.status.in_(CERTIFICATE_EXPECTED), held)
        .order_by(Absence.start_date)
    ).scalars().all()
    hours = absences.window_hours(pending)
    todo = []
    for absence in pending:
        deadline = absences.deadline(absence, hours[absence.id])
        if now < deadline:
            kind = "resend" if absence.status == "refused" else "justify"
            todo.append(ToDo(children[absence.child_id], kind, wording.format_until(deadline), absence.id))
    waiting = db.session.execute(
        select(Reservation, Unit)
        .join(Unit, Reservation.unit_id == Unit.id)
        .where(Reservation.child_id.in_(children), Reservation.state == "waiting", Reservation.date >= today)
        .order_by(Reservation.date, Unit.position, Unit.id)
        .limit(30)
    ).all()
    by_day: dict[tuple, list[str]] = {}
    for r, u in waiting:  # one line per child and day: "Matin, Repas, Après-midi du mercredi 13 janvier"
        by_day.setdefault((r.date, r.child_id), []).append(u.label)
    todo += [
        ToDo(children[child_id], "waiting",
             _("%(slots)s du %(day)s", slots=", ".join(labels), day=wording.format_date(day)))
        for (day, child_id), labels in by_day.items()
    ]
    return todo


@bp.route("/mon-accueil")
def dashboard():
    """Mon accueil: greeting, previous login, what to do, the family's members with a link per child, the latest
    requests ("Dernières demandes"), the link to the family's documents (how many need attention)."""
    family = current_family(selectinload(Family.members).joinedload(Person.school))
    return render("family/dashboard.html", family=family, todo=family_todo(family),
                  latest=procedures.family_requests(family.id, limit=3),
                  incomplete=procedures.family_requests(family.id, status="incomplete"),
                  documents_attention=documents.attention_count(family.id, clock.today()),
                  news_items=news.family_items(family.id, current_user.id, clock.now(), clock.today(), limit=3),
                  news_words=news_wording)


@bp.route("/enfants/<int:child_id>")
def child(child_id: int):
    """A child's page: identity, school, enrolments."""
    child = get_child_or_404(
        child_id,
        joinedload(Person.school),
        selectinload(Person.enrollments).options(joinedload(Enrollment.activity), joinedload(Enrollment.period)),
    )
    return render("family/child.html", child=child)
