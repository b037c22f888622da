"""Who may use the family's pages, and the one way views reach the logged-in family's data (always scoped); and the
one guard of the agents' pages (back office, pointage, import), by role (blueprints/roles.py).

Shared by the family, agenda, absences, planning and calendar-feed blueprints and the agents' ones (no routes
here)."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required

from blueprints import roles
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
    ).unique().scalar_one_or_none()
    if child is None:
        abort(404)
    return child


@login_required
def require_agent_role():
    """`blueprint.before_request(require_agent_role)` for every agents' page: agents (and administrators) only, each
    page for the roles roles.ACCESS names (403 otherwise, an unlisted page included). An agent who must use
    two-factor authentication and has not set it up yet is sent to do it first."""
    if not current_user.is_agent:
        abort(403)
    if (current_app.config["TWO_FACTOR_REQUIRED"] and current_user.totp_enabled_at is None
            and roles.two_factor_required(current_user)):
        return redirect(url_for("twofactor.enrol"))
    if not roles.allowed(roles.role_of(current_user), request.endpoint):
        abort(403)
    return None
