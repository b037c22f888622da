"""Back office, administrators: the agents' accounts (role, sites, health right, active, two-factor reset); and for
every agent, « Sécurité du compte » (their own two-factor authentication). Writes: blueprints/admin/agents.py."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

import clock
import mail
from blueprints.admin import agents as service
from blueprints.admin import twofactor, wording
from blueprints.auth.forms import EMAIL_INVALID, EMAIL_REQUIRED, EMAIL_TOO_LONG
from blueprints.auth.mails import invitation_mail
from blueprints.backoffice import bp
from blueprints.forms import CheckboxesField, EmptyForm, flat_errors
from blueprints.htmx import render
from models import User, db


class AgentForm(FlaskForm):
    email = EmailField(wording.AGENT_EMAIL_LABEL, validators=[
        DataRequired(EMAIL_REQUIRED), Length(max=254, message=EMAIL_TOO_LONG),
        Email(EMAIL_INVALID, check_deliverability=False)])
    display_name = StringField(wording.AGENT_NAME_LABEL, validators=[
        DataRequired(wording.AGENT_NAME_REQUIRED), Length(max=200, message=wording.AGENT_NAME_TOO_LONG)])
    role = RadioField(wording.AGENT_ROLE_LABEL, choices=[(r, wording.ROLE_LABELS[r]) for r in service.ROLE_CHOICES],
                      validate_choice=False)
    schools = CheckboxesField(wording.AGENT_SITES_LABEL, coerce=int, choices=[])
    can_see_health = BooleanField(wording.AGENT_HEALTH_LABEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools.choices = [(s.id, s.name) for s in service.schools()]

    def validate_role(self, field):
        if field.data not in service.ROLE_CHOICES:
            raise ValidationError(str(wording.AGENT_ROLE_REQUIRED))

    def validate_schools(self, field):
        if self.role.data == "site" and not field.data:
            raise ValidationError(str(wording.AGENT_SITES_REQUIRED))

    def data_(self) -> service.AgentData:
        return service.AgentData(email=self.email.data or "", display_name=self.display_name.data or "",
                                 role=self.role.data, school_ids=list(self.schools.data or []),
                                 can_see_health=bool(self.can_see_health.data))


def _agent_or_404(agent_id: int) -> User:
    user = db.session.get(User, agent_id)
    if user is None or not user.is_agent:
        abort(404)
    return user


@bp.route("/agents")
def agents():
    """Les agents: every back-office account with its role, sites, rights and state."""
    rows = service.agents()
    names = {s.id: s.name for s in service.schools()}
    sites = {u.id: [names[i] for i in service.site_ids(u)] for u in rows if service.role_choice(u) == "site"}
    return render("backoffice/agents.html", agents=rows, sites=sites,
                  role_short=wording.ROLE_SHORT, role_choice=service.role_choice)


@bp.route("/agents/nouveau", methods=["GET", "POST"])
def agent_new():
    """Créer un compte d'agent: name, address, role (and sites), health right; the activation link is mailed."""
    form = AgentForm()
    if form.validate_on_submit():
        if service.email_taken(form.email.data):
            form.email.errors.append(str(wording.AGENT_EMAIL_TAKEN))
        else:
            now = clock.now()
            user = service.create(form.data_(), now)
            invitation = invitation_mail(user, now)
            db.session.commit()  # first: the mailed link must work
            try:
                mail.deliver(invitation.message)
                flash(_(str(wording.AGENT_CREATED), name=user.display_name), "success")
            except OSError:
                current_app.logger.warning("agent invitation not sent")
                flash(_(str(wording.AGENT_MAIL_FAILED), name=user.display_name), "error")
            return redirect(url_for(".agents"))
    errors = flat_errors(form)
    return render("backoffice/agent_form.html", form=form, agent=None, errors=errors, page_errors=bool(errors)), (
        400 if errors else 200)


@bp.route("/agents/<int:agent_id>", methods=["GET", "POST"])
def agent_edit(agent_id: int):
    """Un agent: change role, sites and health right; deactivate or reactivate; reset two-factor authentication."""
    user = _agent_or_404(agent_id)
    action = request.form.get("action", "save")
    form = AgentForm(obj=None, data=None if request.method == "POST" else {
        "email": user.email, "display_name": user.display_name, "role": service.role_choice(user),
        "schools": service.site_ids(user), "can_see_health": user.can_see_health})
    if request.method == "POST" and action in ("deactivate", "reactivate", "reset_2fa"):
        if not EmptyForm().validate_on_submit():
            abort(400)
        return _account_action(user, action)
    if request.method == "POST":
        form.email.data = user.email  # the address is the login: not changed here
        if form.validate_on_submit():
            if user.id == current_user.id and form.role.data != "admin":
                flash(str(wording.AGENT_NOT_SELF), "error")
                return redirect(url_for(".agent_edit", agent_id=user.id))
            service.update(user, form.data_(), clock.now())
            db.session.commit()
            flash(_(str(wording.AGENT_SAVED), name=user.display_name or user.email), "success")
            return redirect(url_for(".agents"))
    errors = flat_errors(form)
    return render("backoffice/agent_form.html", form=form, agent=user, errors=errors, page_errors=bool(errors),
                  two_factor=twofactor.enabled(user)), (400 if errors else 200)


def _account_action(user: User, action: str):
    name = user.display_name or user.email
    now = clock.now()
    if action == "reset_2fa":
        service.reset_two_factor(user, now)
        db.session.commit()
        flash(_(str(wording.AGENT_TWO_FACTOR_RESET), name=name), "success")
        return redirect(url_for(".agent_edit", agent_id=user.id))
    if user.id == current_user.id:
        flash(str(wording.AGENT_NOT_SELF), "error")
        return redirect(url_for(".agent_edit", agent_id=user.id))
    service.set_active(user, action == "reactivate", now)
    db.session.commit()
    flash(_(str(wording.AGENT_REACTIVATED if action == "reactivate" else wording.AGENT_DEACTIVATED), name=name),
          "success")
    return redirect(url_for(".agents"))


@bp.route("/securite", methods=["GET", "POST"])
def security():
    """Sécurité du compte: one's own two-factor authentication (turn on, new recovery codes)."""
    form = EmptyForm()
    user = current_user._get_current_object()
    if request.method == "POST":
        if not form.validate_on_submit() or not twofactor.enabled(user):
            abort(400)
        codes = twofactor.replace_recovery_codes(user, clock.now(), current_app.config["SECRET_KEY"])
        db.session.commit()
        flash(str(wording.RECOVERY_RENEWED), "success")
        return render("twofactor/recovery_codes.html", codes=codes, next_url=url_for(".security"))
    return render("backoffice/security.html", form=form, enabled=twofactor.enabled(user),
                  left=twofactor.recovery_left(user) if twofactor.enabled(user) else 0)
