"""Two-factor authentication of agents: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

Pure rules (`verify_code`, `new_recovery_codes`, `recovery_hash`) take `now` and keys as arguments; the few writes
(`start_enrolment`, `confirm_enrolment`, `use_code`, `reset`) flush and leave the commit to the route. The secret is
kept in User.totp_secret sealed (Fernet, under a key derived from the application's SECRET_KEY: a copy of the
database alone does not give anyone the agents' second factor); a secret written before sealing existed is read as
it is and sealed at its next successful use. A code's time step is remembered (User.totp_last_step) so that a code
seen once (over a shoulder, in a replayed request) is never accepted again; recovery codes are stored as HMAC-SHA256
under the application's SECRET_KEY (50 random bits each: a keyed hash is enough, and checking ten of them stays
instant)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Optional

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from models import RecoveryCode, User, db

DIGITS = 6
VALID_WINDOW = 1  # the code of the previous and of the next 30 s are accepted too (clocks drift, people type)
RECOVERY_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied by hand
ISSUER = "Portail Familles"


SEALED = "f1:"  # the prefix of a sealed secret (a bare base32 secret has no colon)


def new_secret() -> str:
    return pyotp.random_base32()


def _box(key: str) -> Fernet:
    digest = hashlib.sha256(b"portail-familles/totp-secret\x00" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str, key: str) -> str:
    """What is stored for `secret`: encrypted and authenticated under `key`."""
    return SEALED + _box(key).encrypt(secret.encode()).decode()


def unseal(stored: Optional[str], key: str) -> Optional[str]:
    """The secret a stored value holds; None when there is none, or when it was sealed under another key (the
    SECRET_KEY changed: an administrator resets the agent's two-factor authentication)."""
    if not stored:
        return None
    if not stored.startswith(SEALED):
        return stored  # stored before secrets were sealed
    try:
        return _box(key).decrypt(stored[len(SEALED):].encode()).decode()
    except InvalidToken:
        return None


def _key() -> str:
    return current_app.config["SECRET_KEY"]


def verify_code(secret: str, code: str, now: dt.datetime, last_step: Optional[int]) -> Optional[int]:
    """The time step `code` belongs to if it is right at `now` (give or take one step) and newer than `last_step`
    (a code is used once), else None."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(rf"\d{{{DIGITS}}}", code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS)
    step = totp.timecode(now)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate if last_step is None or candidate > last_step else None
    return None


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret, digits=DIGITS).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of `uri` as inline SVG (no image request, no script), titled for assistive technologies."""
    return segno.make(uri, error="m").svg_inline(scale=4, title=title, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """ "ABCD EFGH ..." : the secret readable and typeable by hand or by a screen reader user."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(count: int = RECOVERY_COUNT) -> list[str]:
    """`count` fresh codes like "K7QPM-3XH9A"."""
    def one() -> str:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"
    return [one() for _ in range(count)]


def normalise_recovery(code: str) -> Optional[str]:
    """The canonical form of a typed recovery code (case, spaces and dashes forgiven), or None if it cannot be one."""
    raw = re.sub(r"[\s-]", "", (code or "").upper())
    if len(raw) != 10 or any(ch not in RECOVERY_ALPHABET for ch in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def recovery_hash(code: str, key: str) -> str:
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- writes (flush only)


def enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def start_enrolment(user: User) -> str:
    """The secret being set up for `user` (a new one unless an unconfirmed one is waiting)."""
    if enabled(user):
        raise ValueError("two-factor authentication already enabled")
    secret = unseal(user.totp_secret, _key())
    if secret is None:
        secret = new_secret()
        user.totp_secret = seal(secret, _key())
        db.session.flush()
    return secret


def confirm_enrolment(user: User, code: str, now: dt.datetime, key: str) -> Optional[list[str]]:
    """Turn two-factor authentication on if `code` is right for the secret being set up: returns the new recovery
    codes (shown once), or None for a wrong code (nothing changes)."""
    secret = None if enabled(user) else unseal(user.totp_secret, key)
    if secret is None:
        return None
    step = verify_code(secret, code, now, user.totp_last_step)
    if step is None:
        return None
    user.totp_enabled_at, user.totp_last_step = now, step
    return replace_recovery_codes(user, now, key)


def replace_recovery_codes(user: User, now: dt.datetime, key: str) -> list[str]:
    """New recovery codes for `user`; the old ones stop working."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash=recovery_hash(c, key), created_at=now)
                        for c in codes])
    db.session.flush()
    return codes


def use_code(user: User, code: str, now: dt.datetime, key: str) -> Optional[str]:
    """Check a login's second step: a TOTP code ("totp") or an unused recovery code ("recovery", now used). None if
    neither. The UPDATEs match the state read, so two requests cannot both use the same code."""
    if not enabled(user):
        return None
    secret = unseal(user.totp_secret, key)
    step = verify_code(secret, code, now, user.totp_last_step) if secret else None
    if step is not None:
        values = {"totp_last_step": step}
        if not user.totp_secret.startswith(SEALED):
            values["totp_secret"] = seal(secret, key)
        moved = db.session.execute(
            db.update(User).where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(**values).execution_options(synchronize_session="fetch"))
        return "totp" if moved.rowcount == 1 else None
    recovery = normalise_recovery(code)
    if recovery is None:
        return None
    used = db.session.execute(
        db.update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                                      RecoveryCode.code_hash == recovery_hash(recovery, key))
        .values(used_at=now))
    return "recovery" if used.rowcount == 1 else None


def recovery_left(user: User) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def reset(user: User) -> None:
    """Turn two-factor authentication off for `user` (lost phone: an administrator does it); they set it up again
    at their next login if their role requires it."""
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
