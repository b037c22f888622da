"""The parent's space: "Mon accueil" (dashboard) and each child's page, always scoped to the logged-in family."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from blueprints.htmx import render
from models import Family, Person, db

bp = Blueprint("family", __name__)


@bp.before_request
@login_required
def require_parent():
    """Only parents attached to a family file use these pages (agents have the back office)."""
    if current_user.is_agent or current_user.family_id is None:
        abort(403)


def current_family() -> Family:
    return db.get_or_404(Family, current_user.family_id)


def get_child_or_404(child_id: int) -> Person:
    """The child `child_id` of the logged-in family, or 404 (same answer whether it exists elsewhere or not)."""
    child = db.session.execute(
        db.select(Person).where(
            Person.id == child_id, Person.role == "child", Person.family_id == current_user.family_id
        )
    ).scalar_one_or_none()
    if child is None:
        abort(404)
    return child


@bp.route("/mon-accueil")
def dashboard():
    """Mon accueil: greeting, previous login, the family's members with a link per child."""
    return render("family/dashboard.html", family=current_family())


@bp.route("/enfants/<int:child_id>")
def child(child_id: int):
    """A child's page: identity, school, enrolments."""
    return render("family/child.html", child=get_child_or_404(child_id), family=current_family())
