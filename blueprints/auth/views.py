"""Login, logout, account activation (invitation link), forgotten password."""

from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

import clock
import mail
from blueprints.auth import bp, devices, sessions, tokens
from blueprints.auth.forms import EmailForm, LoginForm, SetPasswordForm
from blueprints.auth.login import home_for, safe_next, start_session
from blueprints.auth.mails import send_reset_link
from blueprints.auth.password_policy import HINT, password_problem
from blueprints.auth.passwords import hash_password, needs_rehash, verify_password
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from extensions import limiter, submitted_email
from models import User, db, normalize_email

LOGIN_FAILED = _l("Adresse e-mail ou mot de passe incorrect.")


@bp.before_app_request
def load_signed_in_user():
    """Read the signed-in user first thing, so its session row is checked (and its use noted, committed at once)
    before any view writes: see sessions.load_user."""
    if request.endpoint != "static":
        current_user._get_current_object()


def _login_failed(response) -> bool:
    """Only failed attempts count toward the throttle (a success answers with a redirect)."""
    return response.status_code != 302


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(devices.account_limits, key_func=submitted_email, methods=["POST"], deduct_when=_login_failed,
               exempt_when=devices.recognised)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_DEVICE"], key_func=devices.device_key, methods=["POST"],
               deduct_when=_login_failed, exempt_when=devices.not_recognised)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
def login():
    """Log in with e-mail and password; one generic message whatever was wrong (no account enumeration).
    Throttled per account (with a growing delay), per recognised browser and per address: see devices.py."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = db.session.execute(
            db.select(User).where(User.email == normalize_email(form.email.data))
        ).scalar_one_or_none()
        stored = user.password_hash if user is not None and user.active else None
        if verify_password(stored, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            from blueprints.twofactor import views as twofactor  # agents: a code after the password

            if twofactor.second_step_needed(user):
                return twofactor.begin(user, safe_next(request.args.get("next")))
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        failed = True
    return render("auth/login.html", form=form, failed=failed, failed_message=LOGIN_FAILED, page_errors=failed)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    """Log out (POST with CSRF only, so no link or image can log a parent out)."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("public.home"))
    sessions.revoke_current(clock.now())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté(e). À bientôt !"), "success")
    return redirect(url_for("public.home"))


@bp.route("/deconnexion/partout", methods=["POST"])
@login_required
def logout_everywhere():
    """« Se déconnecter de tous les appareils »: every session of the account ends, this one included (a phone
    lost, a computer shared): the cookies they hold no longer open anything."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    sessions.revoke_all(current_user, clock.now())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté(e) de tous les appareils. Reconnectez-vous pour continuer ici."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", key_func=submitted_email, methods=["POST"])
@limiter.limit("30 per hour", methods=["POST"])
def forgot():
    """Ask for a reset link (or a new activation link). Same answer whether the address exists or not."""
    form = EmailForm()
    if form.validate_on_submit():
        # Everything that depends on the address (look-up, link, commit, SMTP) runs once the answer has gone: the
        # page and its timing are the same whether an account exists or not (issue #12, item 5).
        mail.after_response(partial(send_reset_link, normalize_email(form.email.data)), "password reset")
        return render("auth/forgot_sent.html", email=form.email.data.strip())
    return render("auth/forgot.html", form=form)


def _set_password_page(purpose: str, token: str, template: str):
    """Shared flow of the invitation and reset links: check the link, choose a password, log in."""
    now = clock.now()
    result = tokens.check(token, purpose, now)
    if not result.valid:
        code = 410 if result.status in ("expired", "replaced", "used") else 404
        return render("auth/link_problem.html", link_state=result.status, purpose=purpose, status=code)
    user = result.token.user
    form = SetPasswordForm()
    if form.is_submitted() and _password_acceptable(form, user):
        if not tokens.consume(result.token, now):
            db.session.rollback()
            return render("auth/link_problem.html", link_state="used", purpose=purpose, status=410)
        user.password_hash = hash_password(form.password.data)
        tokens.revoke_all(user, now)
        sessions.revoke_all(user, now)  # whoever had the old password is out, on every device
        from blueprints.twofactor import views as twofactor  # a reset link alone never opens an agent's session

        if twofactor.second_step_needed(user):
            return twofactor.begin(user, None)
        start_session(user)
        flash(_("Votre mot de passe est enregistré. Bienvenue sur votre espace !")
              if purpose == "invitation" else _("Votre nouveau mot de passe est enregistré."), "success")
        return redirect(home_for(user))
    return render(template, form=form, user=user, password_hint=HINT)


def _password_acceptable(form: SetPasswordForm, user: User) -> bool:
    """Validate the form and the password policy; each problem is attached to its field, all shown at once."""
    valid = form.validate()
    problem = form.password.data and password_problem(form.password.data, email=user.email, names=user_names(user))
    if problem:
        form.password.errors.append(problem)
    return valid and not problem


def user_names(user: User) -> tuple[str, ...]:
    """The names a password must not reuse: the account's display name, the guardian's names, the family's."""
    names = user.display_name.split()
    if user.person is not None:
        names += [*user.person.first_name.split(), *user.person.last_name.split()]
    if user.family is not None:
        names += user.family.name.split()
    return tuple(filter(None, names))


@bp.route("/activer/<token>", methods=["GET", "POST"])
def activate(token: str):
    """Invitation link (single use, 24 h): the parent chooses a password and is logged in."""
    return _set_password_page("invitation", token, "auth/activate.html")


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Password-reset link (single use, 1 h)."""
    return _set_password_page("reset", token, "auth/reset.html")
