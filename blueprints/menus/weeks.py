"""The week in a menus address ("2026-11-23"): its Monday, or 404 (shared by the public and agents' pages)."""

from __future__ import annotations

import datetime as dt

from flask import abort

from blueprints import edge


def monday_or_404(value: str) -> dt.date:
    """The Monday of the week of an ISO date; 404 for anything else or a year the portal does not handle."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        abort(404)
    if len(value) != 10 or not edge.supported_day(day):
        abort(404)
    return day - dt.timedelta(days=day.weekday())
