"""The monthly agenda per child: see, toggle (htmx) or save (no JS) morning, meal and afternoon slots."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for

from blueprints.family.access import get_child_or_404, require_parent
from blueprints.htmx import render
from blueprints.reservations.agenda import (
    local_today,
    month_context,
    parse_month,
    save_wanted,
    toggle_slot,
    wanted_from_form,
)

bp = Blueprint("reservations", __name__)


bp.before_request(require_parent)


@bp.route("/enfants/<int:child_id>/agenda")
def current_month(child_id: int):
    """The agenda opens on the current month, at the current week."""
    get_child_or_404(child_id)
    today = local_today()
    return redirect(
        url_for(".month", child_id=child_id, ym=f"{today:%Y-%m}", _anchor=f"semaine-{today.isocalendar()[1]}")
    )


@bp.route("/enfants/<int:child_id>/agenda/<ym>")
def month(child_id: int, ym: str):
    """Agenda de <enfant> — <mois>: one fieldset per day, a checkbox per slot, the state in words."""
    child = get_child_or_404(child_id)
    year, mon = parse_month(ym)
    refused = [tuple(item) for item in session.pop("agenda_refused", [])]
    return render(
        "reservations/month.html", refused=refused, page_errors=bool(refused), **month_context(child, year, mon)
    )


@bp.route("/enfants/<int:child_id>/agenda/<ym>", methods=["POST"])
def save_month(child_id: int, ym: str):
    """Without JavaScript: the whole month form; each shown slot's box says the wanted state (PRG)."""
    child = get_child_or_404(child_id)
    year, mon = parse_month(ym)
    session["agenda_refused"] = save_wanted(child, wanted_from_form(request.form))
    return redirect(url_for(".month", child_id=child.id, ym=f"{year:04d}-{mon:02d}"))


@bp.route("/enfants/<int:child_id>/reservations", methods=["POST"])
def toggle(child_id: int):
    """One slot, wanted state explicit (idempotent: a replay never flips it twice). htmx gets out-of-band
    fragments (slot state + live region); a plain POST is redirected to the month with a message."""
    return toggle_slot(get_child_or_404(child_id), "reservations.month")


from blueprints.reservations import bulk  # noqa: E402,F401  (registers the bulk-booking routes on bp)
