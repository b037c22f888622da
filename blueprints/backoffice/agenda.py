"""Back office: any child's agenda (a week or a month), changed by an agent regardless of deadlines, with a
recorded reason.

The page is the family's month template with `by_agent=True`; changes go through the same rules and service as
the portal (capacity, waiting list, dependencies, audit trail), with `via="agent"`, the agent as actor and the
reason typed above the month. Closed days and children not enrolled stay refused: deadlines are what agents bypass.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _

import clock
from blueprints.agenda import page as shared_agenda
from blueprints.backoffice import bp
from blueprints.htmx import render
from models import Person, db

REASON_MAX = 300


def no_reason_save() -> str:
    return _("Indiquez le motif de la modification. Rien n'a été enregistré.")


def no_reason_toggle() -> str:
    return _("Indiquez le motif de la modification avant de cocher.")


def no_reason_slot() -> str:
    """The line next to a box changed without a reason."""
    return _("Non enregistré : indiquez d'abord le motif de la modification.")


def get_any_child_or_404(child_id: int) -> Person:
    """Any child of any family (agents see every file); 404 for anything that is not a child."""
    child = db.session.get(Person, child_id)
    if child is None or child.role != "child":
        abort(404)
    return child


def submitted_reason() -> str:
    """The reason typed above the month, trimmed (the audit trail keeps 300 characters)."""
    return " ".join(request.form.get("reason", "").split())[:REASON_MAX]


@bp.route("/enfants/<int:child_id>/agenda")
def child_agenda_current(child_id: int):
    """The agent's agenda of a child opens on the current week, at the top: the reason field comes first (a month
    opened at an anchor further down would hide it)."""
    child = get_any_child_or_404(child_id)
    return redirect(shared_agenda.week_url(child, clock.today(), by_agent=True))


@bp.route("/enfants/<int:child_id>/agenda/semaine/<monday>")
def child_agenda_week(child_id: int, monday: str):
    """Agenda de <enfant> — semaine du <lundi>, agent's view."""
    child = get_any_child_or_404(child_id)
    first = shared_agenda.parse_monday(monday)
    if first.isoformat() != monday:
        return redirect(url_for(".child_agenda_week", child_id=child.id, monday=first.isoformat()))
    refused, lines = shared_agenda.pop_refused()
    return render("reservations/month.html", refused=refused, page_errors=bool(refused),
                  **shared_agenda.week_context(child, first, by_agent=True, refusals=lines))


@bp.route("/enfants/<int:child_id>/agenda/semaine/<monday>", methods=["POST"])
def child_agenda_week_save(child_id: int, monday: str):
    """Without JavaScript: the week at once (PRG); no reason, nothing saved (see child_agenda_save)."""
    child = get_any_child_or_404(child_id)
    first = shared_agenda.parse_monday(monday)
    return _save(child, shared_agenda.week_context, first,
                 url_for(".child_agenda_week", child_id=child.id, monday=first.isoformat()))


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>")
def child_agenda(child_id: int, ym: dt.date):
    """Agenda de <enfant> — <mois>, agent's view: every day editable, deadlines not applied, reason required."""
    child = get_any_child_or_404(child_id)
    refused, lines = shared_agenda.pop_refused()
    return render("reservations/month.html", refused=refused, page_errors=bool(refused),
                  **shared_agenda.month_context(child, ym, by_agent=True, refusals=lines))


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>", methods=["POST"])
def child_agenda_save(child_id: int, ym: dt.date):
    """Without JavaScript: the whole month at once (PRG). No reason, nothing saved: the form comes back with the
    boxes as the agent left them and the error next to the reason field and next to each box changed."""
    child = get_any_child_or_404(child_id)
    return _save(child, shared_agenda.month_context, ym, url_for(".child_agenda", child_id=child.id, ym=ym))


def _save(child: Person, build_context, first: dt.date, back: str):
    """The no-JS save of a month or a week (`build_context`: month_context or week_context, from `first`)."""
    wanted = shared_agenda.wanted_from_form(request.form)
    reason = submitted_reason()
    changes = shared_agenda.changes_only(child, wanted)
    if not reason and changes:
        lines = {f"{unit_id}-{day.isoformat()}": no_reason_slot() for unit_id, day in changes}
        context = build_context(child, first, by_agent=True, refusals=lines)
        for day in context["days"]:
            for slot in day.slots:
                slot.wanted = wanted.get((slot.unit.id, slot.day))
        message = no_reason_save()
        return render("reservations/month.html", refused=[("reason", message)], reason_error=message,
                      page_errors=True, **context)
    return shared_agenda.save_form(child, back, by_agent=True, via="agent", reason=reason)


@bp.route("/enfants/<int:child_id>/reservations", methods=["POST"])
def child_agenda_toggle(child_id: int):
    """One slot from the agent's agenda (htmx, or a plain POST redirected to the week). Without a reason the
    change is refused: the slot's true state goes back with the reason asked next to the box, and an alert."""
    child = get_any_child_or_404(child_id)
    reason = submitted_reason()
    return shared_agenda.toggle_slot(child, by_agent=True, via="agent", reason=reason,
                                    refusal=None if reason else (no_reason_toggle(), no_reason_slot()))
