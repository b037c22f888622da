"""The agenda pages (a month, a week), shared by the family's pages (reservations blueprint) and the agent's (back
office): build the page context, read the form, apply wanted states through the service, ask before a place is
given up, answer a toggle. No routes here; both blueprints call these helpers with their own guard and endpoints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints import edge
from blueprints.htmx import is_partial, render
from blueprints.menus import service as menus
from blueprints.menus import wording as menu_wording
from blueprints.notify import notify_promoted
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service, wording
from models import Person

MAX_SHOWN = 400  # slots one month form may submit (a month has at most ~100)
REFUSED = "agenda_refused"  # session key: the refusals of the last no-JS change, shown once by the next agenda page


def _endpoints(by_agent: bool) -> tuple[str, str]:
    return ("backoffice.child_agenda", "backoffice.child_agenda_week") if by_agent else (
        "reservations.month", "reservations.week")


def week_url(child: Person, day: dt.date, by_agent: bool = False) -> str:
    """The week page of `day`'s week."""
    return url_for(_endpoints(by_agent)[1], child_id=child.id, monday=month_view.week_bounds(day)[0].isoformat())


def parse_monday(value: str) -> dt.date:
    """The week in a URL ("2026-11-23"), as its Monday; 404 when it is not a date the rules handle."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        abort(404)
    if len(value) != 10 or not 2000 <= day.year <= 2100:
        abort(404)
    return month_view.week_bounds(day)[0]


def _context(child: Person, start: dt.date, end: dt.date, by_agent: bool, refusals: dict[str, str]) -> dict:
    """What the agenda template needs for the days from `start` to `end` (constant number of queries)."""
    agenda = service.load_agenda(child, start, end)
    now = clock.now()
    days = month_view.build_days(agenda, start, end, now, by_agent, refusals)
    today = now.astimezone(rules.PARIS).date()
    month_endpoint = _endpoints(by_agent)[0]
    return {
        "child": child, "days": days, "weeks": month_view.weeks(days, agenda.calendar, start, end),
        "policies": month_view.policy_lines(agenda), "today": today, "by_agent": by_agent,
        "this_monday": month_view.week_bounds(today)[0], "has_activities": bool(agenda.activities),
        "wording": wording, "start": start, "end": end,
        "month_url": lambda d: url_for(month_endpoint, child_id=child.id, ym=d),
        "week_url": lambda d: week_url(child, d, by_agent), "toggle_url": _toggle_url(child, by_agent),
        "holidays": list(dict.fromkeys(name for d in _dates(start, end)
                                       for name in [agenda.calendar.school_holiday_name(d)] if name)),
        "menu_warnings": {} if by_agent else _menu_warnings(child, start, end),
    }


def _menu_warnings(child: Person, start: dt.date, end: dt.date) -> dict[dt.date, tuple[str, str]]:
    """Day -> ("Menu du jour : contient arachide", the menu's page) where the child's declared allergies meet the
    day's menu at the child's school (family pages only: an agent's agenda does not reveal health data). At most 2
    queries for the whole range."""
    found = menus.menu_warnings([child], start, end)
    return {day: (menu_wording.warning(codes),
                  url_for("menus.week", school_id=child.school_id, monday=month_view.week_bounds(day)[0].isoformat()))
            for (_child, day), codes in found.items()}


def _dates(start: dt.date, end: dt.date):
    while start <= end:
        yield start
        start += rules.ONE_DAY


def month_context(child: Person, first_day: dt.date, by_agent: bool = False, refusals=None) -> dict:
    """Everything the month page needs (shared by the family page and the agent's)."""
    start, end = month_view.month_bounds(first_day.year, first_day.month)
    return {**_context(child, start, end, by_agent, refusals or {}), "view": "month", "first_day": start,
            "prev": month_view.shift_month(start, -1), "next": month_view.shift_month(start, 1)}


def week_context(child: Person, monday: dt.date, by_agent: bool = False, refusals=None) -> dict:
    """Everything the week page needs: one week, from `monday`."""
    start, end = month_view.week_bounds(monday)
    return {**_context(child, start, end, by_agent, refusals or {}), "view": "week",
            "first_day": month_view.month_of_week(monday), "prev": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7)}


def pop_refused() -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The refusals of the last no-JS change (shown once): (anchor, sentence) for the error summary, and
    slot key -> the line the slot shows next to its control."""
    items = session.pop(REFUSED, [])
    summary = [(item[0], item[1]) for item in items]
    lines = {item[2]: item[3] for item in items if len(item) == 4 and item[2]}
    return summary, lines


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
               via: str = "portal", reason: str = "", agenda: service.ChildAgenda | None = None,
               confirmed: bool = True) -> list[service.Outcome]:
    """Apply several desired states through the same rules (service.apply_batch) and tell promoted families.
    Unless `confirmed`, giving up a place others want is only asked (outcome "confirm") and nothing is saved."""
    if not wanted:
        return []
    days = [d for _, d in wanted]
    agenda = agenda or service.load_agenda(child, min(days), max(days))
    outcomes = service.apply_batch(agenda, wanted, clock.now(), actor_id=current_user.id, via=via, reason=reason,
                                   by_agent=by_agent, confirmed=confirmed)
    if not pending(outcomes):
        notify_promoted(outcomes)
    return outcomes


def pending(outcomes: list[service.Outcome]) -> list[service.Outcome]:
    """The changes waiting for the family's answer (their batch was not saved)."""
    return [o for o in outcomes if o.decision.outcome == "confirm"]


def wanted_from_form(form) -> dict[tuple[int, dt.date], bool]:
    """The state each slot shown on the month form asks for (a ticked box wants a booking); the button of a
    waiting-list entry ("Quitter la liste d'attente", name `leave`) asks to leave it."""
    wanted = {}
    for value in form.getlist("shown")[:MAX_SHOWN]:
        slot = parse_slot(value)
        if slot is not None:
            wanted[slot] = form.get(f"s-{slot[0]}-{slot[1].isoformat()}") == "1"
    leave = parse_slot(form.get("leave", ""))
    if leave is not None:
        wanted[leave] = False
    return wanted


@dataclass
class Saved:
    """What a no-JS save did: `refused` (anchor, sentence, slot key, slot line) for the error summary and the
    slots; or, when the family must answer first, `asked` (nothing saved) with the names of the slots."""

    refused: list[tuple[str, str, str, str]] = field(default_factory=list)
    asked: list[service.Outcome] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    others: int = 0  # changes asked in the same form that need no answer


def save_wanted(child: Person, wanted: dict[tuple[int, dt.date], bool], answer: str | None = None,
                **change) -> Saved:
    """Apply the month form (`change`: apply_many's by_agent, via, reason), flash what was done and return the
    refusals. Shared by the family page and the agent's. A place given up that others want is asked first
    (`answer` None: nothing is saved, Saved.asked); answer "1" gives it up, "0" keeps it and saves the rest."""
    changes = changes_only(child, wanted)
    if not changes:
        flash(_("Aucune modification à enregistrer."), "info")
        return Saved()
    days = [d for _, d in changes]
    agenda = service.load_agenda(child, min(days), max(days))
    names = month_view.slot_names(agenda.units.values())
    outcomes = apply_many(child, changes, agenda=agenda, confirmed=answer == "1", **change)
    asked = pending(outcomes)
    if asked and answer != "0":
        return Saved(asked=asked, names=names, others=len(changes) - len(asked))
    if asked:  # "Non, garder": the rest is saved, those places are kept
        asked_keys = {(o.unit.id, o.day) for o in asked}
        outcomes = apply_many(child, {k: w for k, w in changes.items() if k not in asked_keys}, agenda=agenda,
                              confirmed=False, **change)
        if pending(outcomes):  # asked meanwhile (someone joined a waiting list): ask again, nothing saved
            return Saved(asked=asked + pending(outcomes), names=names)
        for o in asked:
            flash(wording.kept_text(o.decision.question, wording.slot_day(o.unit, o.day, names.get(o.unit.id))),
                  "success")
    for o in outcomes:
        if o.decision.changed:
            flash(wording.outcome_text(o, child.first_name, names.get(o.unit.id)), "success")
    refusals = [o for o in outcomes if o.decision.refusal or o.decision.outcome == "confirm"]
    if not outcomes and not asked:
        flash(_("Aucune modification à enregistrer."), "info")
    return Saved(refused=_refusal_items(child, agenda, refusals, names, change.get("by_agent", False)))


def _refusal_items(child, agenda, refusals, names, by_agent) -> list[tuple[str, str, str, str]]:
    """(anchor, sentence, slot key, slot line) per refusal. The anchor is the slot's control when the page shows one
    to this viewer (focus lands on it), else the slot's text (a locked or closed slot has none): the same test as
    the page, in 1 query."""
    if not refusals:
        return []
    first, last = min(o.day for o in refusals), max(o.day for o in refusals)
    held, now = service.child_reservations(child.id, first, last), clock.now()
    items = []
    for o in refusals:
        key = f"{o.unit.id}-{o.day.isoformat()}"
        anchor = f"slot-{key}"
        if o.unit.id in agenda.units and agenda.enrolled(o.unit, o.day) and agenda.status(o.unit, o.day):
            view = month_view.slot_view(agenda, o.unit, o.day, held.get((o.unit.id, o.day)), 0, None, now, by_agent)
            anchor = control_id(view)
        name = names.get(o.unit.id)
        if o.decision.refusal:
            reason = wording.refusal_reason(o.decision.refusal, child.first_name)
            items.append((anchor, wording.refusal_text(o.unit, o.day, o.decision.refusal, child.first_name, name),
                          key, wording.slot_refusal(reason)))
        else:  # asked meanwhile (someone joined the waiting list between the question and the answer)
            items.append((anchor, wording.outcome_text(o, child.first_name, name), key,
                          wording.slot_refusal(_("confirmez d'abord que vous libérez la place."))))
    return items


def control_id(slot) -> str:
    """The id of the control a slot shows: its box, its "Quitter la liste d'attente" button, or its block."""
    if not slot.editable:
        return f"slot-{slot.key}"
    return f"leave-{slot.key}" if slot.state == "waiting" else f"cb-{slot.key}"


def changes_only(child: Person, wanted: dict[tuple[int, dt.date], bool]) -> dict[tuple[int, dt.date], bool]:
    """Keep only the slots whose wanted state differs from the stored one (an unchanged box is not a request)."""
    if not wanted:
        return {}
    days = [d for _, d in wanted]
    current = service.child_reservations(child.id, min(days), max(days))
    return {key: want for key, want in wanted.items() if want != (key in current)}


def save_form(child: Person, back: str, **change):
    """The no-JS form of a month or a week (POST): saved, then back to `back` (PRG) with the refusals shown once;
    or, when a place would be given up that others want, the question page (nothing saved yet)."""
    answer = request.form.get("confirm")
    saved = save_wanted(child, wanted_from_form(request.form), answer if answer in ("0", "1") else None, **change)
    if saved.asked:
        return confirm_page(child, saved.asked, saved.names, back, saved.others)
    session[REFUSED] = saved.refused
    return redirect(back)


def confirm_page(child: Person, asked: list[service.Outcome], names: dict[int, str], back: str, others: int = 0):
    """Without JavaScript: the question before giving up places, on a page of its own. Its form sends the same
    fields again to the same address, with confirm=1 (yes) or confirm=0 (no)."""
    fields = [(k, v) for k in request.form for v in request.form.getlist(k) if k not in ("csrf_token", "confirm")]
    items = [(wording.slot_day(o.unit, o.day, names.get(o.unit.id)), wording.question(o.decision.question, o.position))
             for o in asked]
    return render("reservations/confirm.html", child=child, items=items, fields=fields, action=request.path,
                  back=back, others=others)


def toggle_slot(child: Person, *, by_agent: bool = False, via: str = "portal", reason: str = "",
                refusal: tuple[str, str] | None = None):
    """The toggle of one slot for the family page and the agent's. `refusal`: (alert, slot line) refusing the
    request before any rule (the agent's missing reason): nothing changes and the true state goes back with it.
    A place others want is only given up with confirm=1: else the slot asks (htmx) or the question page does."""
    slot = parse_slot(f"{request.form.get('unit', '')}:{request.form.get('date', '')}")
    if slot is None:
        return _toggle_invalid(child)
    unit_id, day = slot
    want = request.form.get(f"s-{unit_id}-{day.isoformat()}") == "1"
    answer = request.form.get("confirm")
    agenda = service.load_agenda(child, day, day, unit_id=unit_id)
    unit = agenda.units.get(unit_id)
    name = wording.unit_name(unit, service.label_elsewhere(agenda, unit)) if unit else None
    question = line = None
    known = {}  # the slot's row, places and rank after the change, when the outcome says them (no second read)
    if refusal is not None:
        (message, line), refused = refusal, True
    elif answer == "0" and unit is not None:  # the question page's "Non": nothing to do
        held = service.child_reservations(child.id, day, day).get(slot)
        code = "leave_waiting" if held is not None and held.state == "waiting" else "release_full"
        message, refused = wording.kept_text(code, wording.slot_day(unit, day, name)), False
    else:
        outcomes = apply_many(child, {slot: want}, by_agent=by_agent, via=via, reason=reason, agenda=agenda,
                              confirmed=answer == "1")
        if not outcomes:
            return _toggle_invalid(child)
        outcome = outcomes[0]
        known.update(reservation=outcome.reservation, taken=outcome.taken, position=outcome.position)
        unit, message = outcome.unit, wording.outcome_text(outcome, child.first_name, name)
        refused, question = outcome.decision.refusal is not None, outcome.decision.question
        if refused:
            line = wording.slot_refusal(wording.refusal_reason(outcome.decision.refusal, child.first_name))
        if question and not is_partial():
            return confirm_page(child, [outcome], {unit.id: name}, week_url(child, day, by_agent))
    view = month_view.single_slot(agenda, unit, day, clock.now(), by_agent=by_agent, name=name,
                                  **known) if unit else None
    if not is_partial():
        if refused:
            key = f"{unit_id}-{day.isoformat()}"
            anchor = "reason" if refusal is not None else (control_id(view) if view else f"slot-{key}")
            session[REFUSED] = [(anchor, message, key, line)]
        else:
            flash(message, "success")
        return redirect(week_url(child, day, by_agent))
    if view is not None:
        view.refusal, view.question = line, question
    return render("reservations/_toggle.html", slot=view, message=message if not question else "", refused=refused,
                  child=child, wording=wording, by_agent=by_agent, toggle_url=_toggle_url(child, by_agent))


def _toggle_url(child: Person, by_agent: bool) -> str:
    return url_for("backoffice.child_agenda_toggle" if by_agent else "reservations.toggle", child_id=child.id)


def _toggle_invalid(child: Person):
    if not is_partial():
        abort(400)
    return render("reservations/_toggle.html", slot=None, message=_("Demande invalide : rechargez la page."),
                  refused=True, child=child, wording=wording)
