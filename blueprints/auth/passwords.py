"""Password hashing (argon2id via argon2-cffi) and the password policy (CNIL 2022-100: >= 12 characters)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128


@lru_cache(maxsize=4)
def _hasher(params: tuple) -> PasswordHasher:
    return PasswordHasher(**dict(params))


def hasher() -> PasswordHasher:
    return _hasher(tuple(sorted(current_app.config.get("ARGON2_PARAMS", {}).items())))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash, still spends the time of one check (no timing oracle)."""
    ph = hasher()
    if not stored_hash:
        try:
            ph.verify(_dummy_hash(), password + "x")
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return ph.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("portail_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hasher().hash("portail-familles-dummy-password")
    return cache["hash"]


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> str | None:
    """The first reason this password is refused, in French, or None. Used by every form that sets one."""
    if len(password) < MIN_LENGTH:
        return _(
            "Le mot de passe doit contenir au moins %(min)d caractères (il en a %(n)d).",
            min=MIN_LENGTH,
            n=len(password),
        )
    if len(password) > MAX_LENGTH:
        return _("Le mot de passe doit contenir au plus %(max)d caractères.", max=MAX_LENGTH)
    lowered = password.lower()
    if email and lowered in (email.lower(), email.split("@")[0].lower()):
        return _("Le mot de passe ne doit pas être votre adresse e-mail.")
    if len(set(password)) < 5:
        return _("Le mot de passe est trop répétitif : variez les caractères ou utilisez plusieurs mots.")
    for name in names:
        if name and len(name) >= 3 and lowered == name.lower():
            return _("Le mot de passe ne doit pas être votre nom ou prénom.")
    return None
