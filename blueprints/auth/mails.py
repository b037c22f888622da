"""Account e-mails (invitation, password reset). Used by the auth and back-office views."""

from __future__ import annotations

import datetime as dt

from flask import current_app, url_for
from flask_babel import gettext as _

import mail
from blueprints.auth import tokens
from models import User


def external_url(endpoint: str, **values) -> str:
    """Absolute link for an e-mail: PUBLIC_URL when configured (behind a proxy), else the request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def invitation_link(user: User, now: dt.datetime) -> str:
    """A new single-use activation link valid 24 h; older invitation links stop working."""
    return external_url("auth.activate", token=tokens.issue(user, "invitation", now))


def send_invitation(user: User, now: dt.datetime) -> str:
    """(Re)send the account invitation e-mail; returns the link it carries."""
    link = invitation_link(user, now)
    mail.send(user.email, _("Activez votre espace sur le portail familles"), "auth/mail_invitation", user=user, link=link)
    return link


def send_reset(user: User, now: dt.datetime) -> None:
    """Send a password-reset link valid 1 h (or a fresh invitation if the account was never activated)."""
    if not user.has_password:
        send_invitation(user, now)
        return
    raw = tokens.issue(user, "reset", now)
    mail.send(
        user.email,
        _("Réinitialisation de votre mot de passe"),
        "auth/mail_reset",
        user=user,
        link=external_url("auth.reset", token=raw),
    )
