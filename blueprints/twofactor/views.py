"""The login's second step and setting up two-factor authentication.

After a right password, an agent with two-factor authentication gives a code (auth.views.login hands over with
`begin`); an agent who must use it and has not set it up yet does it first. Until then no session is open: the
Flask session only holds who is half-way (`PENDING`), for 10 minutes. Failed codes count in the login throttle
(the same per-account ladder, keyed by the account)."""

from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

import clock
from blueprints import roles
from blueprints.admin import twofactor, wording
from blueprints.auth import devices
from blueprints.auth.login import home_for, safe_next, start_session
from blueprints.htmx import render
from blueprints.twofactor import bp
from extensions import limiter
from models import User, db

PENDING = "_2fa_pending"
PENDING_SECONDS = 600


class CodeForm(FlaskForm):
    code = StringField(wording.CODE_LABEL, validators=[DataRequired(wording.CODE_REQUIRED),
                                                                     Length(max=40, message=wording.CODE_WRONG)])


def must_enrol(user: User) -> bool:
    return (current_app.config["TWO_FACTOR_REQUIRED"] and roles.two_factor_required(user)
            and not twofactor.enabled(user))


def second_step_needed(user: User) -> bool:
    return twofactor.enabled(user) or must_enrol(user)


def begin(user: User, next_url: str | None):
    """Password right: remember who is half-way through the login and ask for the code (or the set-up)."""
    db.session.commit()  # a rehashed password
    session.clear()
    session[PENDING] = {"uid": user.id, "at": time.time(), "next": next_url}
    return redirect(url_for("twofactor.code" if twofactor.enabled(user) else "twofactor.enrol"))


def pending_user() -> User | None:
    data = session.get(PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(str(wording.PENDING_EXPIRED), "error")
        return None
    user = db.session.get(User, data["uid"])
    return user if user is not None and user.active and user.is_agent else None


def pending_key() -> str:
    data = session.get(PENDING)
    uid = data.get("uid") if isinstance(data, dict) else None
    return f"2fa:{uid if isinstance(uid, int) else current_user.get_id() or '-'}"


def _failed(response) -> bool:
    return bool(g.get("two_factor_failed"))


def _finish(user: User):
    """Second step passed: the session opens as after a password alone."""
    next_url = safe_next((session.get(PENDING) or {}).get("next"))
    start_session(user)
    return redirect(next_url or home_for(user))


@bp.route("/connexion/code", methods=["GET", "POST"])
@limiter.limit(devices.account_limits, key_func=pending_key, methods=["POST"], deduct_when=_failed)
def code():
    """Second step of an agent's login: the 6-digit code of their app, or one of their recovery codes."""
    user = pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if not twofactor.enabled(user):
        return redirect(url_for(".enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        used = twofactor.use_code(user, form.code.data, clock.now(), current_app.config["SECRET_KEY"])
        if used:
            response = _finish(user)
            if used == "recovery":
                flash(_(str(wording.RECOVERY_USED), num=twofactor.recovery_left(user)), "warning")
            return response
        db.session.rollback()
        form.code.errors.append(wording.CODE_WRONG)
    g.two_factor_failed = form.is_submitted()
    return render("twofactor/code.html", form=form)


@bp.route("/connexion/double-authentification", methods=["GET", "POST"])
@limiter.limit(devices.account_limits, key_func=pending_key, methods=["POST"], deduct_when=_failed)
def enrol():
    """Set up two-factor authentication: add the account to an app (QR code, or the key typed), give its first
    code, get the recovery codes. During a login (pending) or for a signed-in agent."""
    signed_in = current_user.is_authenticated and current_user.is_agent
    user = current_user if signed_in else pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if twofactor.enabled(user):
        return redirect(url_for("backoffice.security") if signed_in else url_for(".code"))
    secret = twofactor.start_enrolment(user)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(user, form.code.data, clock.now(), current_app.config["SECRET_KEY"])
        if codes is not None:
            next_url = safe_next((session.get(PENDING) or {}).get("next")) or home_for(user)
            if not signed_in:
                start_session(user)  # commits
            else:
                db.session.commit()
            flash(str(wording.TWO_FACTOR_ON), "success")
            return render("twofactor/recovery_codes.html", codes=codes, next_url=next_url)
        db.session.rollback()
        form.code.errors.append(wording.ENROL_CODE_WRONG)
    g.two_factor_failed = form.is_submitted()
    uri = twofactor.provisioning_uri(secret, user.email)
    return render("twofactor/enrol.html", form=form, user=user, required=must_enrol(user),
                  qr=twofactor.qr_svg(uri, _("QR code à scanner avec votre application d'authentification")),
                  secret=twofactor.grouped(secret))
