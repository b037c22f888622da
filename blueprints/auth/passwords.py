"""Password hashing (argon2id via argon2-cffi). What a new password must be is password_policy.py."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


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
