"""Who may use the family's pages, and the one way views reach the logged-in family's data (always scoped).

Shared by the family, agenda, absences, planning and calendar-feed blueprints (no routes here)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from models import Family, Person, db


def parents_only(view):
    """Login required; only parents attached to a family file (agents use the back office: 403)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.is_agent or current_user.family_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@parents_only
def require_parent():
    """The same guard, for `blueprint.before_request(require_parent)`."""


def current_family(*options) -> Family:
    """The logged-in family's file; `options`: loader options for what the page shows (no query per member)."""
    return db.get_or_404(Family, current_user.family_id, options=options)


def get_child_or_404(child_id: int, *options) -> Person:
    """The child `child_id` of the logged-in family, or 404 (same answer whether it exists elsewhere or not).
    `options`: loader options for what the page shows."""
    child = db.session.execute(
        db.select(Person).where(
            Person.id == child_id, Person.role == "child", Person.family_id == current_user.family_id
        ).options(*options)
    ).scalar_one_or_none()
    if child is None:
        abort(404)
    return child
