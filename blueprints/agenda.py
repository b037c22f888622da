"""The monthly agenda page, shared by the family's pages (reservations blueprint) and the agent's (back office):
build the month context, read the month form, apply wanted states through the service and answer a toggle.
No routes here; both blueprints call these helpers with their own guard and endpoints."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.htmx import is_partial, render
from blueprints.notify import notify_promoted
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service, wording
from models import Person

MAX_SHOWN = 400  # slots one month form may submit (a month has at most ~100)


def month_context(child: Person, first_day: dt.date, by_agent: bool = False) -> dict:
    """Everything the month template needs (shared by the family page and the agent's)."""
    start, end = month_view.month_bounds(first_day.year, first_day.month)
    agenda = service.load_agenda(child, start, end)
    now = clock.now()
    days = month_view.build_month(agenda, first_day.year, first_day.month, now, by_agent=by_agent)
    today = now.astimezone(rules.PARIS).date()
    endpoint = "backoffice.child_agenda" if by_agent else "reservations.month"
    return {
        "child": child, "year": first_day.year, "month": first_day.month, "first_day": start, "days": days,
        "weeks": month_view.weeks(days), "policies": month_view.policy_lines(agenda), "today": today,
        "current_week": today.isocalendar()[1] if (today.year, today.month) == (start.year, start.month) else None,
        "prev": month_view.shift_month(start, -1), "next": month_view.shift_month(start, 1), "by_agent": by_agent,
        "has_activities": bool(agenda.activities), "wording": wording,
        "month_url": lambda d: url_for(endpoint, child_id=child.id, ym=d),
    }


def parse_slot(value: str) -> tuple[int, dt.date] | None:
    """"12:2026-11-23" -> (12, date); None when malformed or out of the range the rules handle."""
    try:
        unit_part, day_part = value.split(":", 1)
        unit_id, day = int(unit_part), dt.date.fromisoformat(day_part)
    except (ValueError, TypeError):
        return None
    if not (0 < unit_id < 2**31 and 2000 <= day.year <= 2100):
        return None
    return unit_id, day


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


def wanted_from_form(form) -> dict[tuple[int, dt.date], bool]:
    """The state each slot shown on the month form asks for (a ticked box wants a booking)."""
    wanted = {}
    for value in form.getlist("shown")[:MAX_SHOWN]:
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
        return redirect(url_for(month_endpoint, child_id=child.id, ym=day))
    slot_view = month_view.single_slot(agenda, unit, day, clock.now(), by_agent=by_agent) if unit else None
    return render("reservations/_toggle.html", slot=slot_view, message=message, refused=refused, child=child,
                  wording=wording, by_agent=by_agent)


def _toggle_invalid(child: Person):
    if not is_partial():
        abort(400)
    return render("reservations/_toggle.html", slot=None, message=_("Demande invalide : rechargez la page."),
                  refused=True, child=child, wording=wording)
