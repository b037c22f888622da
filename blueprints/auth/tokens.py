"""Single-use, time-limited account links (invitation 24 h, password reset 1 h).

Only a SHA-256 of the secret is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from models import AccountToken, User, db

LIFETIME = {"invitation": dt.timedelta(hours=24), "reset": dt.timedelta(hours=1)}


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, purpose: str, now: dt.datetime) -> str:
    """Create a new link secret for `user`; earlier unused links of the same purpose stop working."""
    db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .where(AccountToken.expires_at > now)
        .values(expires_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(raw),
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    return raw


@dataclass(frozen=True)
class TokenCheck:
    status: str  # valid | expired | replaced | used | unknown
    token: AccountToken | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def check(raw: str, purpose: str, now: dt.datetime) -> TokenCheck:
    """Say whether a link secret can be used now, without consuming it."""
    if not raw or len(raw) > 100:
        return TokenCheck("unknown")
    token = db.session.execute(
        db.select(AccountToken).where(AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose)
    ).scalar_one_or_none()
    if token is None or not token.user.active:
        return TokenCheck("unknown")
    if token.used_at is not None:
        return TokenCheck("used", token)
    if token.expires_at <= now:
        # issue() cuts an older link short when it sends a new one: say "replaced", not "expired after 24 h".
        replaced = token.expires_at < token.created_at + LIFETIME[token.purpose]
        return TokenCheck("replaced" if replaced else "expired", token)
    return TokenCheck("valid", token)


def consume(token: AccountToken, now: dt.datetime) -> bool:
    """Mark the link used, atomically: False if another request used it first (double submit, replay)."""
    result = db.session.execute(
        db.update(AccountToken).where(AccountToken.id == token.id, AccountToken.used_at.is_(None)).values(used_at=now)
    )
    return result.rowcount == 1


def revoke_all(user: User, now: dt.datetime) -> None:
    """End every link still open for `user` (once a password is chosen, no other link may change it)."""
    db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None), AccountToken.expires_at > now)
        .values(expires_at=now)
    )


def withdraw(raw: str) -> None:
    """Delete a link whose e-mail never left (nobody holds its secret): the database only keeps links sent."""
    db.session.execute(db.delete(AccountToken).where(AccountToken.token_hash == _digest(raw)))
