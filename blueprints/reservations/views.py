"""The monthly agenda per child: see, toggle (htmx) or save (no JS) morning, meal and afternoon slots."""

from __future__ import annotations

import datetime as dt

from flask import redirect, request, session, url_for

import clock
from blueprints.access import get_child_or_404
from blueprints.agenda import month_context, save_wanted, toggle_slot, wanted_from_form
from blueprints.htmx import render
from blueprints.reservations import bp


@bp.route("/enfants/<int:child_id>/agenda")
def current_month(child_id: int):
    """The agenda opens on the current month, at the current week."""
    get_child_or_404(child_id)
    today = clock.today()
    return redirect(url_for(".month", child_id=child_id, ym=today, _anchor=f"semaine-{today.isocalendar()[1]}"))


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>")
def month(child_id: int, ym: dt.date):
    """Agenda de <enfant> — <mois>: one fieldset per day, a checkbox per slot, the state in words."""
    child = get_child_or_404(child_id)
    refused = [tuple(item) for item in session.pop("agenda_refused", [])]
    return render("reservations/month.html", refused=refused, page_errors=bool(refused), **month_context(child, ym))


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>", methods=["POST"])
def save_month(child_id: int, ym: dt.date):
    """Without JavaScript: the whole month form; each shown slot's box says the wanted state (PRG)."""
    child = get_child_or_404(child_id)
    session["agenda_refused"] = save_wanted(child, wanted_from_form(request.form))
    return redirect(url_for(".month", child_id=child.id, ym=ym))


@bp.route("/enfants/<int:child_id>/reservations", methods=["POST"])
def toggle(child_id: int):
    """One slot, wanted state explicit (idempotent: a replay never flips it twice). htmx gets out-of-band
    fragments (slot state + live region); a plain POST is redirected to the month with a message."""
    return toggle_slot(get_child_or_404(child_id), "reservations.month")

