"""The agenda per child: a week (where it opens) or a month; see, toggle (htmx) or save (no JS) morning, meal and
afternoon slots."""

from __future__ import annotations

import datetime as dt

from flask import redirect, url_for

import clock
from blueprints.access import get_child_or_404
from blueprints.agenda import bp
from blueprints.agenda.page import (
    month_context,
    parse_monday,
    pop_refused,
    save_form,
    toggle_slot,
    week_context,
    week_url,
)
from blueprints.htmx import render
from blueprints.reservations.service import with_enrolments


@bp.route("/enfants/<int:child_id>/agenda")
def current_month(child_id: int):
    """The agenda opens on the current week: a short page on a phone (a month is some fourteen screens), with
    links to the weeks around it and to the whole month."""
    child = get_child_or_404(child_id)
    return redirect(week_url(child, clock.today()))


@bp.route("/enfants/<int:child_id>/agenda/semaine/<monday>")
def week(child_id: int, monday: str):
    """Agenda de <enfant> — semaine du <lundi>: the days of one week, as on the month page."""
    child = get_child_or_404(child_id, with_enrolments())
    first = parse_monday(monday)
    if first.isoformat() != monday:
        return redirect(url_for(".week", child_id=child.id, monday=first.isoformat()))
    refused, lines = pop_refused()
    return render("reservations/month.html", refused=refused, page_errors=bool(refused),
                  **week_context(child, first, refusals=lines))


@bp.route("/enfants/<int:child_id>/agenda/semaine/<monday>", methods=["POST"])
def save_week(child_id: int, monday: str):
    """Without JavaScript: the week's form (PRG), or the question before giving up a place."""
    child = get_child_or_404(child_id, with_enrolments())
    return save_form(child, url_for(".week", child_id=child.id, monday=parse_monday(monday).isoformat()))


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>")
def month(child_id: int, ym: dt.date):
    """Agenda de <enfant> — <mois>: one fieldset per day, a checkbox per slot, the state in words."""
    child = get_child_or_404(child_id, with_enrolments())
    refused, lines = pop_refused()
    return render("reservations/month.html", refused=refused, page_errors=bool(refused),
                  **month_context(child, ym, refusals=lines))


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>", methods=["POST"])
def save_month(child_id: int, ym: dt.date):
    """Without JavaScript: the whole month form; each shown slot's box says the wanted state (PRG), or the
    question before giving up a place."""
    child = get_child_or_404(child_id, with_enrolments())
    return save_form(child, url_for(".month", child_id=child.id, ym=ym))


@bp.route("/enfants/<int:child_id>/reservations", methods=["POST"])
def toggle(child_id: int):
    """One slot, wanted state explicit (idempotent: a replay never flips it twice). htmx gets out-of-band
    fragments (slot state + live region); a plain POST is redirected to the week with a message."""
    return toggle_slot(get_child_or_404(child_id, with_enrolments()))


