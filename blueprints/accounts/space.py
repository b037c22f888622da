"""« Mon espace »: the login's own settings. Change the e-mail address (confirmed by a link sent to the new
address, a notice to the old one once changed), change the password (other sessions end), recent logins (from
UserSession), notification preferences. Each form has its own POST route and comes back to the page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

import clock
import mail
from blueprints.accounts import bp, franceconnect, rules, service
from blueprints.accounts.forms import EmailChangeForm, NotificationsForm, PasswordChangeForm
from blueprints.auth import sessions
from blueprints.auth.password_policy import HINT, password_problem
from blueprints.auth.passwords import hash_password, verify_password
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from extensions import limiter
from models import User, db

WRONG_PASSWORD = "Ce n'est pas votre mot de passe actuel."


def _user_key() -> str:
    return f"space:{current_user.get_id()}"


def _page(email_form=None, password_form=None, notifications_form=None, status=200):
    user = current_user
    notifications_form = notifications_form or NotificationsForm(data=service.preferences(user.id))
    now = clock.now()
    current = sessions.current_row(user.id, now)
    return render("accounts/space.html", user=user, email_form=email_form or EmailChangeForm(),
                  password_form=password_form or PasswordChangeForm(), notifications_form=notifications_form,
                  logins=service.recent_sessions(user.id), current_session_id=current.id if current else None,
                  lifetime=current_app.permanent_session_lifetime, now=now, password_hint=HINT,
                  kinds=rules.NOTIFICATION_KINDS, fc_linked=franceconnect.linked(user.id), status=status)


@bp.route("/mon-espace")
@login_required
def space():
    """The page: e-mail, password, recent logins, notification preferences."""
    return _page()


def _send(message) -> None:
    def send():
        try:
            mail.deliver(message)
        except Exception:
            current_app.logger.exception("account mail not delivered: %s", message["Subject"])

    mail.after_response(send, "account mail")


@bp.route("/mon-espace/adresse", methods=["POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key)
def change_email():
    """Ask to change the login address (current password required). The same answer whether the new address is
    free or not; a link valid 24 h goes to it."""
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return _page(email_form=form, status=400)
    user = db.session.get(User, current_user.id)
    if not verify_password(user.password_hash, form.password.data):
        form.password.errors.append(_(WRONG_PASSWORD))
        return _page(email_form=form, status=400)
    if form.new_email.data.strip().lower() == user.email:
        form.new_email.errors.append(_("C'est déjà l'adresse de votre espace."))
        return _page(email_form=form, status=400)
    message = service.request_email_change(user, form.new_email.data, clock.now())
    db.session.commit()
    _send(message)
    flash(_("Un lien de confirmation a été envoyé à %(email)s (valable 24 heures). Votre adresse changera quand "
            "vous l'aurez ouvert.", email=form.new_email.data.strip()), "success")
    return redirect(url_for("accounts.space"))


@bp.route("/mon-espace/adresse/confirmer/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link of the e-mail sent to the new address: a page with a button (a link opened by a mail scanner
    changes nothing), then the address changes and the old one is told."""
    now = clock.now()
    change = service.pending_email_change(token, now)
    if change is None:
        return render("accounts/email_link_problem.html", status=410)
    form = EmptyForm()
    if form.validate_on_submit():
        done = service.confirm_email_change(change, now)
        if done is None:
            db.session.rollback()
            return render("accounts/email_link_problem.html", status=410)
        db.session.commit()
        _send(done[1])
        flash(_("Votre adresse e-mail est maintenant %(email)s.", email=change.new_email), "success")
        return redirect(url_for("accounts.space") if current_user.is_authenticated else url_for("auth.login"))
    return render("accounts/email_confirm.html", change=change, form=form)


@bp.route("/mon-espace/mot-de-passe", methods=["POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key)
def change_password():
    """Change the password (the current one required, the policy applied); every other session ends."""
    form = PasswordChangeForm()
    valid = form.validate_on_submit()
    user = db.session.get(User, current_user.id)
    if form.current.data and not verify_password(user.password_hash, form.current.data):
        form.current.errors.append(_(WRONG_PASSWORD))
        valid = False
    problem = form.password.data and password_problem(form.password.data, email=user.email,
                                                       names=service.user_names(user))
    if problem:
        form.password.errors.append(problem)
    if not valid or problem:
        return _page(password_form=form, status=400)
    now = clock.now()
    current = sessions.current_row(user.id, now)
    ended = service.change_password(user, hash_password(form.password.data), current.id if current else None, now)
    message = mail.build_message(user.email, _("Votre mot de passe a été changé"), "accounts/mail_password_changed",
                                 forgot_link=mail.external_url("auth.forgot"))
    db.session.commit()
    _send(message)
    flash(_("Votre nouveau mot de passe est enregistré. Les autres appareils connectés à votre compte ont été "
            "déconnectés.") if ended else _("Votre nouveau mot de passe est enregistré."), "success")
    return redirect(url_for("accounts.space"))


@bp.route("/mon-espace/notifications", methods=["POST"])
@login_required
def notifications():
    """Save which e-mails the login wants (unticked: not wanted)."""
    form = NotificationsForm()
    if not form.validate_on_submit():
        abort(400)
    service.set_preferences(current_user.id, {kind: form[kind].data for kind in rules.NOTIFICATION_KINDS})
    db.session.commit()
    flash(_("Vos préférences de notification sont enregistrées."), "success")
    return redirect(url_for("accounts.space"))
