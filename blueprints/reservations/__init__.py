"""Reservations: the monthly agenda per child and bulk booking (routes), with the domain they rest on:
rules.py (pure rules, `now` passed in), service.py (every write), wording.py (French sentences), month.py
(the month as data for the templates)."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("reservations", __name__)
bp.before_request(require_parent)

from blueprints.reservations import bulk, views  # noqa: E402,F401  (registers the routes on bp)
