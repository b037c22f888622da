"""Account e-mails (invitation, password reset). Used by the auth and back-office views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_gettext as _l

import clock
import mail
from blueprints.auth import tokens
from models import User, db


@dataclass(frozen=True)
class AccountMail:
    """An account e-mail built but not sent yet. Its link is already in the database session: commit, then deliver
    (a failed commit must never mail a link that does not work)."""

    message: EmailMessage
    link: str
    token: str  # the link's secret, to withdraw it if the mail never leaves (tokens.withdraw)


def invitation_mail(user: User, now: dt.datetime) -> AccountMail:
    """The account invitation: a new single-use activation link valid 24 h; older invitation links stop working."""
    raw = tokens.issue(user, "invitation", now)
    link = mail.external_url("auth.activate", token=raw)
    message = mail.build_message(user.email, _l("Activez votre espace sur le portail familles"), "auth/mail_invitation",
                                 user=user, link=link)
    return AccountMail(message, link, raw)


def reset_mail(user: User, now: dt.datetime) -> AccountMail:
    """A password-reset link valid 1 h (or a fresh invitation if the account was never activated)."""
    if not user.has_password:
        return invitation_mail(user, now)
    raw = tokens.issue(user, "reset", now)
    link = mail.external_url("auth.reset", token=raw)
    message = mail.build_message(user.email, _l("Réinitialisation de votre mot de passe"), "auth/mail_reset",
                                 user=user, link=link)
    return AccountMail(message, link, raw)


def send_reset_link(email: str) -> None:
    """After the answer to "Mot de passe oublié" (mail.after_response): for an active account, issue the link
    (committed before the mail leaves: a mailed link always works) and mail it; a link whose mail never left is
    withdrawn. An unknown or deactivated address gets nothing, and nobody can tell from the page or its timing."""
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.active:
        return
    sent = reset_mail(user, clock.now())
    db.session.commit()
    try:
        mail.deliver(sent.message)
    except Exception:
        current_app.logger.exception("mail not delivered after the response: %s", sent.message["Subject"])
        tokens.withdraw(sent.token)
        db.session.commit()
