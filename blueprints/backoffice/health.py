"""Back office: a child's health data, for agents with the right only (need-to-know), each read logged; and for
administrators, the log of those reads (filters by agent, child, date) and who has the right.

Routes only: the right and the log are families/health.py's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.widgets import TextInput

import clock
from blueprints.backoffice import bp, roles
from blueprints.families import health
from blueprints.forms import EmptyForm, FrenchDateField, flat_errors
from blueprints.htmx import render
from models import Family, HealthAccess, Person, User, db

PARIS = ZoneInfo("Europe/Paris")
LOG_SHOWN = 300


def admin_only() -> None:
    if current_user.role != "admin":
        abort(403)


@bp.route("/familles/<int:family_id>/enfants/<int:child_id>/sante")
def child_health(family_id: int, child_id: int):
    """Les données de santé d'un enfant: shown (and the read logged) to agents with the right; the others read
    that access is reserved (403)."""
    child = db.session.execute(select(Person).where(Person.id == child_id, Person.family_id == family_id,
                                                    Person.role == "child")).scalar_one_or_none()
    sites = roles.sites_for(current_user)
    if child is None or (sites is not None and child.school_id not in sites):  # a site agent: their schools only
        abort(404)
    family = db.session.get(Family, family_id)
    if not health.may_see_health(current_user):
        return render("backoffice/child_health.html", child=child, family=family, allowed=False), 403
    health.log_access(current_user, child, _("fiche santé"), clock.now())
    db.session.commit()
    return render("backoffice/child_health.html", child=child, family=family, allowed=True,
                  record=health.health_of(child), authorisations=health.authorisations_of(child))


class LogFilters(EmptyForm):
    class Meta:
        csrf = False

    du = FrenchDateField(_l("Du"), widget=TextInput())
    au = FrenchDateField(_l("Au"), widget=TextInput())


@bp.route("/acces-sante")
def health_log():
    """Journal des accès aux données de santé (administrators): who read which child's health data, when, where."""
    admin_only()
    filters = LogFilters(request.args)
    filters.validate()
    agent_id = request.args.get("agent", "")
    child = (request.args.get("enfant") or "").strip()[:100]
    stmt = select(HealthAccess).options(joinedload(HealthAccess.agent)).order_by(HealthAccess.at.desc(),
                                                                                HealthAccess.id.desc())
    if agent_id.isdigit():
        stmt = stmt.where(HealthAccess.agent_id == int(agent_id))
    if child:
        stmt = stmt.where(HealthAccess.child_name.ilike(f"%{child}%", escape="\\"))
    if filters.du.data:
        stmt = stmt.where(HealthAccess.at >= dt.datetime.combine(filters.du.data, dt.time(0), PARIS))
    if filters.au.data:
        stmt = stmt.where(HealthAccess.at < dt.datetime.combine(filters.au.data + dt.timedelta(days=1), dt.time(0),
                                                                PARIS))
    rows = db.session.execute(stmt.limit(LOG_SHOWN)).scalars().all()
    errors = flat_errors(filters)
    return render("backoffice/health_log.html", rows=rows, agents=agents(), agent_id=agent_id, child=child,
                  filters=filters, errors=errors, page_errors=bool(errors), more=len(rows) == LOG_SHOWN)


def agents() -> list[User]:
    return list(db.session.execute(select(User).where(User.role.in_(("agent", "admin")))
                                   .order_by(User.display_name, User.email)).scalars())


@bp.route("/agents-sante", methods=["GET", "POST"])
def health_rights():
    """Qui peut lire les données de santé (administrators): give or take back the right, agent by agent."""
    admin_only()
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        user = db.session.get(User, int(request.form.get("agent", "0") or 0)) if (
            request.form.get("agent", "").isdigit()) else None
        if user is None or not user.is_agent:
            abort(404)
        allowed = request.form.get("droit") == "oui"
        health.grant(user, allowed)
        db.session.commit()
        flash(_("%(name)s peut maintenant lire les données de santé.", name=user.display_name or user.email) if allowed
              else _("%(name)s ne peut plus lire les données de santé.", name=user.display_name or user.email),
              "success")
        return redirect(url_for(".health_rights"))
    return render("backoffice/health_rights.html", agents=agents(), form=form)
