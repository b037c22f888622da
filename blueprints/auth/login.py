"""Opening a signed-in session, and where to go after it: shared by the password login (views.py), the second
step of agents' two-factor login (blueprints/twofactor) and FranceConnect."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import session, url_for
from flask_login import login_user

import clock
from blueprints.auth import devices, sessions
from models import User, db


def home_for(user: User) -> str:
    return url_for("backoffice.index") if user.is_agent else url_for("family.dashboard")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def start_session(user: User) -> None:
    """Log `user` in on a fresh session with its own session row, and remember when they last came (shown on
    "Mon accueil")."""
    now = clock.now()
    user.previous_login_at = user.last_login_at
    user.last_login_at = now
    session.clear()  # no session fixation: nothing from before the login survives
    login_user(user)
    sessions.open_session(user, now)
    db.session.commit()
    session.permanent = True
    devices.remember(user.email)  # this browser may log in to this account even while its address is throttled
