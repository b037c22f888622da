"""Server-side session records (UserSession): what makes a logout real.

Flask's session stays a signed cookie, but the login it carries is only honoured while its UserSession row is
open: the cookie holds "<row id>.<random secret>", the row a SHA-256 of the secret. Logging out revokes the row,
"Se déconnecter de tous les appareils" and a new password revoke every row of the account, so a copied cookie
stops working at once. A row unused for PERMANENT_SESSION_LIFETIME (24 h) has expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from flask import current_app, request, session
from sqlalchemy import and_, select

import clock
from blueprints.edge import MAX_ID
from models import ConfigVersion, User, UserSession, db, remember_config_key

SESSION_KEY = "_session"  # Flask session key of "<UserSession.id>.<secret>"
TOUCH_EVERY = dt.timedelta(minutes=5)  # last_seen_at is written at most this often (not on every request)
BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("Linux", "Linux"))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def device_summary(user_agent: str) -> str:
    """ "Firefox, Android": enough to recognise a device in a list, without keeping the whole User-Agent."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return ", ".join(filter(None, (browser, system)))


def open_session(user: User, now: dt.datetime) -> None:
    """Record a new signed-in browser for `user` and put its id and secret in the (fresh) Flask session.
    Rows of this account that are over (revoked or expired) are deleted on the way: nothing is kept for nothing."""
    lifetime = current_app.permanent_session_lifetime
    db.session.execute(db.delete(UserSession).where(
        UserSession.user_id == user.id,
        UserSession.revoked_at.is_not(None) | (UserSession.last_seen_at <= now - lifetime)))
    secret = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, secret_hash=_digest(secret), created_at=now, last_seen_at=now,
                      user_agent=device_summary(request.headers.get("User-Agent", "")))
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = f"{row.id}.{secret}"


def _cookie() -> tuple[int, str] | None:
    """(row id, secret) of the request's session cookie, or None when it holds none (or a malformed one)."""
    match = re.fullmatch(r"(\d{1,10})\.([\w-]{20,100})", str(session.get(SESSION_KEY, "")), re.ASCII)
    if match is None or int(match[1]) > MAX_ID:
        return None
    return int(match[1]), match[2]


def _open(row: UserSession | None, user_id: int, secret: str, now: dt.datetime) -> bool:
    """True when `row` is this browser's open session of `user_id` (not revoked, the secret right, not expired)."""
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return False
    if not hmac.compare_digest(row.secret_hash, _digest(secret)):
        return False
    return row.last_seen_at > now - current_app.permanent_session_lifetime


def current_row(user_id: int, now: dt.datetime) -> UserSession | None:
    """The open UserSession the request's cookie points to for `user_id`, or None (revoked, expired, forged)."""
    cookie = _cookie()
    if cookie is None:
        return None
    row = db.session.get(UserSession, cookie[0])
    return row if _open(row, user_id, cookie[1], now) else None


def load_user(user_id: str) -> User | None:
    """Flask-Login's user_loader: the account, if it is active and this browser's session row is still open.
    One query reads the account, the session row and the configuration version (models.config_key: the agenda's
    catalogue and the commune's settings are then taken from memory). Also notes when the session was last used
    (at most every TOUCH_EVERY, committed at once: the loader runs in the first before_request that reads
    current_user, before any view has written anything)."""
    cookie = _cookie()
    if not user_id.isdigit() or int(user_id) > MAX_ID or cookie is None:
        return None
    found = db.session.execute(
        select(User, UserSession, ConfigVersion.stamp, ConfigVersion.value)
        .outerjoin(UserSession, and_(UserSession.id == cookie[0], UserSession.user_id == User.id))
        .outerjoin(ConfigVersion, ConfigVersion.id == 1)
        .where(User.id == int(user_id))
    ).first()
    if found is None:
        return None
    user, row, stamp, value = found
    remember_config_key(stamp, value)
    if not user.active:
        return None
    now = clock.now()
    if not _open(row, user.id, cookie[1], now):
        session.pop(SESSION_KEY, None)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return user


def revoke_current(now: dt.datetime) -> None:
    """End this browser's session row (logout)."""
    match = re.fullmatch(r"(\d{1,10})\..*", str(session.get(SESSION_KEY, "")), re.ASCII)
    if match and int(match[1]) <= MAX_ID:
        db.session.execute(db.update(UserSession).where(UserSession.id == int(match[1]),
                                                        UserSession.revoked_at.is_(None)).values(revoked_at=now))


def revoke_all(user: User, now: dt.datetime) -> int:
    """End every session row of `user` (new password, "Se déconnecter de tous les appareils"). Returns how many."""
    result = db.session.execute(db.update(UserSession).where(UserSession.user_id == user.id,
                                                             UserSession.revoked_at.is_(None)).values(revoked_at=now))
    return result.rowcount
