"""Agenda helpers shared by the family's pages and the agent's (no routes here): parse the URL parts, build the
month context, apply wanted states through the service and answer a toggle."""

from __future__ import annotations

import datetime as dt
import re

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
import mail
from blueprints import edge
from blueprints.htmx import is_partial, render
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service, wording
from models import Person, User, db


def parse_month(value: str) -> tuple[int, int]:
    """"2026-11" -> (2026, 11); anything else, or a month outside the years the portal handles, is a 404."""
    if re.fullmatch(r"\d{4}-\d{2}", value, re.ASCII) is None:
        abort(404)
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12 or not edge.FIRST_DAY.year <= year <= edge.LAST_DAY.year:
        abort(404)
    return year, month


def local_today() -> dt.date:
    return clock.now().astimezone(rules.PARIS).date()


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def month_context(child: Person, year: int, month: int, by_agent: bool = False) -> dict:
    """Everything the month template needs (shared by the family page and the agent's)."""
    start, end = month_view.month_bounds(year, month)
    agenda = service.load_agenda(child, start, end)
    now = clock.now()
    days = month_view.build_month(agenda, year, month, now, by_agent=by_agent)
    today = now.astimezone(rules.PARIS).date()
    prev, nxt = shift_month(year, month, -1), shift_month(year, month, 1)
    return {
        "child": child, "year": year, "month": month, "first_day": start, "days": days,
        "weeks": month_view.weeks(days), "policies": month_view.policy_lines(agenda), "today": today,
        "current_week": today.isocalendar()[1] if (today.year, today.month) == (year, month) else None,
        "prev": dt.date(*prev, 1), "next": dt.date(*nxt, 1), "by_agent": by_agent,
        "has_activities": bool(agenda.activities),
        "wording": wording,
        "month_url": lambda d: url_for("reservations.month", child_id=child.id, ym=f"{d:%Y-%m}") if not by_agent
        else url_for("backoffice.child_agenda", child_id=child.id, ym=f"{d:%Y-%m}"),
    }


def parse_slot(value: str) -> tuple[int, dt.date] | None:
    """"12:2026-11-23" -> (12, date); None when malformed, or when the id or the day cannot exist (edge.py)."""
    unit_part, _sep, day_part = value.partition(":")
    unit_id = edge.parse_id(unit_part)
    try:
        day = dt.date.fromisoformat(day_part) if len(day_part) == 10 else None
    except ValueError:
        return None
    return (unit_id, day) if unit_id is not None and edge.supported_day(day) else None


def apply_many(child: Person, wanted: dict[tuple[int, dt.date], bool], *, by_agent: bool = False,
               via: str = "portal", reason: str = "", agenda: service.ChildAgenda | None = None
               ) -> list[service.Outcome]:
    """Apply several desired states through the same rules (service.apply_batch) and tell promoted families."""
    if not wanted:
        return []
    days = [d for _, d in wanted]
    agenda = agenda or service.load_agenda(child, min(days), max(days))
    outcomes = service.apply_batch(agenda, wanted, clock.now(), actor_id=current_user.id, via=via, reason=reason,
                                   by_agent=by_agent)
    notify_promoted(outcomes)
    return outcomes


def notify_promoted(outcomes: list[service.Outcome]) -> None:
    """E-mail each family whose child got a place from the waiting list."""
    for outcome in outcomes:
        for entry in outcome.promoted:
            child = db.session.get(Person, entry.child_id)
            users = db.session.execute(
                db.select(User).where(User.family_id == child.family_id, User.active.is_(True))
            ).scalars().all()
            for user in users:
                try:
                    mail.send(user.email, _("Une place s'est libérée : réservation confirmée"),
                              "reservations/mail_promoted", child=child,
                              what=wording.slot_day(outcome.unit, outcome.day))
                except OSError:
                    pass  # the booking stands; the agenda shows it even if the mail server is down


def wanted_from_form(form) -> dict[tuple[int, dt.date], bool]:
    """The state each slot shown on the month form asks for (a ticked box wants a booking)."""
    wanted = {}
    for value in form.getlist("shown")[:400]:
        slot = parse_slot(value)
        if slot is not None:
            wanted[slot] = form.get(f"s-{slot[0]}-{slot[1].isoformat()}") == "1"
    return wanted


def save_wanted(child: Person, wanted: dict[tuple[int, dt.date], bool], **change) -> list[tuple[str, str]]:
    """Apply the month form (`change`: apply_many's by_agent, via, reason), flash what was done and return the
    refusals as (slot id, sentence) for the error summary. Shared by the family page and the agent's."""
    outcomes = apply_many(child, changes_only(child, wanted), **change)
    done = [wording.outcome_text(o, child.first_name) for o in outcomes if o.decision.changed]
    refusals = [o for o in outcomes if o.decision.refusal]
    # A summary link leads to the slot's checkbox when the page shows one to this viewer (focus lands on it), else
    # to the slot's text (a locked or closed slot has none): the same test as the month page, in 2 queries.
    boxed: set[str] = set()
    if refusals:
        first, last = min(o.day for o in refusals), max(o.day for o in refusals)
        agenda, now = service.load_agenda(child, first, last), clock.now()
        held = service.child_reservations(child.id, first, last)
        for o in refusals:
            if o.unit.id in agenda.units and agenda.enrolled(o.unit, o.day) and agenda.status(o.unit, o.day):
                view = month_view.slot_view(agenda, o.unit, o.day, held.get((o.unit.id, o.day)), 0, None, now,
                                            change.get("by_agent", False))
                if view.editable:
                    boxed.add(view.key)
    refused = []
    for o in refusals:
        key = f"{o.unit.id}-{o.day.isoformat()}"
        refused.append((f"cb-{key}" if key in boxed else f"slot-{key}", wording.outcome_text(o, child.first_name)))
    for text in done:
        flash(text, "success")
    if not outcomes:
        flash(_("Aucune modification à enregistrer."), "info")
    return refused


def changes_only(child: Person, wanted: dict[tuple[int, dt.date], bool]) -> dict[tuple[int, dt.date], bool]:
    """Keep only the slots whose wanted state differs from the stored one (an unchanged box is not a request)."""
    if not wanted:
        return {}
    days = [d for _, d in wanted]
    current = service.child_reservations(child.id, min(days), max(days))
    return {key: want for key, want in wanted.items() if want != (key in current)}


def toggle_slot(child: Person, month_endpoint: str, *, by_agent: bool = False, via: str = "portal",
                reason: str = "", refusal: str | None = None):
    """The toggle of one slot for the family page and the agent's (`month_endpoint` gets the no-JS redirect).
    `refusal`: a sentence refusing the request before any rule (the agent's missing reason): nothing changes and
    the true state goes back with it."""
    slot = parse_slot(f"{request.form.get('unit', '')}:{request.form.get('date', '')}")
    if slot is None:
        return _toggle_invalid(child)
    unit_id, day = slot
    want = request.form.get(f"s-{unit_id}-{day.isoformat()}") == "1"
    agenda = service.load_agenda(child, day, day, unit_id=unit_id)
    if refusal is not None:
        unit, message, refused = agenda.units.get(unit_id), refusal, True
    else:
        outcomes = apply_many(child, {slot: want}, by_agent=by_agent, via=via, reason=reason, agenda=agenda)
        if not outcomes:
            return _toggle_invalid(child)
        outcome = outcomes[0]
        unit, message = outcome.unit, wording.outcome_text(outcome, child.first_name)
        refused = outcome.decision.refusal is not None
    if not is_partial():
        flash(message, "error" if refused else "success")
        return redirect(url_for(month_endpoint, child_id=child.id, ym=f"{day:%Y-%m}"))
    slot_view = month_view.single_slot(agenda, unit, day, clock.now(), by_agent=by_agent) if unit else None
    return render("reservations/_toggle.html", slot=slot_view, message=message, refused=refused, child=child,
                  wording=wording, by_agent=by_agent)


def _toggle_invalid(child: Person):
    if not is_partial():
        abort(400)
    return render("reservations/_toggle.html", slot=None, message=_("Demande invalide : rechargez la page."),
                  refused=True, child=child, wording=wording)
