"""Rules of the accounts a family opens itself (pure: no database, no Flask, no clock; time is passed in).

- Dossier keys ("clé enfance"): 12 characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown in three
  groups ("K7F4-9QX2-M3PB"); typed in any case, with or without spaces or hyphens. About 59 bits: guessing is
  hopeless, and the form is throttled anyway. Only a SHA-256 is stored; compared in constant time.
- Registration: the steps, in order, and which of them a draft has completed.
- Notification kinds and their defaults.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

KEY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
KEY_LENGTH = 12
KEY_GROUP = 4
ACTIVATION_LIFETIME = dt.timedelta(hours=24)
EMAIL_CHANGE_LIFETIME = dt.timedelta(hours=24)

# Registration steps (Chilly-Mazarin's four): each names the draft fields it fills.
STEPS = ("informations", "dossier", "conditions", "recapitulatif")
STEP_FIELDS = {
    "informations": ("first_name", "last_name", "email"),
    "dossier": ("family_id", "key_hash"),
    "conditions": ("accepted",),
}

# E-mails a parent may turn off ("Mon espace"). Other features ask service.wants(user, kind). Account e-mails
# (activation, password, e-mail change) and answers to the family's own requests are always sent.
NOTIFICATION_KINDS = ("reminders", "news", "invoices")
NOTIFICATION_DEFAULTS = {"reminders": True, "news": True, "invoices": True}


def normalise_key(typed: str) -> str:
    """The key as stored: upper case, spaces and hyphens removed ("k7f4 9qx2-m3pb" -> "K7F49QX2M3PB")."""
    return re.sub(r"[\s\-‐‑–—.]", "", (typed or "")).upper()


def key_shape_ok(typed: str) -> bool:
    """Whether the typed text can be a key at all (12 characters of the alphabet once normalised)."""
    key = normalise_key(typed)
    return len(key) == KEY_LENGTH and all(c in KEY_ALPHABET for c in key)


def format_key(key: str) -> str:
    """ "K7F49QX2M3PB" -> "K7F4-9QX2-M3PB" (as printed on the letter)."""
    key = normalise_key(key)
    return "-".join(key[i:i + KEY_GROUP] for i in range(0, len(key), KEY_GROUP))


def new_key(choice: Callable[[str], str]) -> str:
    """A fresh key, drawn with `choice` (secrets.choice in production)."""
    return "".join(choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def key_digest(typed: str) -> str:
    """What is stored of a key: SHA-256 of its normalised form."""
    return hashlib.sha256(normalise_key(typed).encode()).hexdigest()


def key_matches(stored_hash: str | None, typed: str) -> bool:
    """Constant-time comparison of a typed key with the stored hash (False when there is none)."""
    candidate = key_digest(typed)
    return hmac.compare_digest(stored_hash or "0" * 64, candidate) and stored_hash is not None


def normalise_dossier_number(typed: str) -> str:
    """A dossier number as typed: trimmed, upper case (numbers are "D-2026-0031")."""
    return (typed or "").strip().upper()


def completed_steps(draft: dict) -> list[str]:
    """The steps whose fields the draft holds, in order, stopping at the first missing one."""
    done = []
    for step in STEPS[:-1]:
        if not all(draft.get(name) not in (None, "", False) for name in STEP_FIELDS[step]):
            break
        done.append(step)
    return done


def first_open_step(draft: dict) -> str:
    """Where a registration should go on: the first step not completed (the recap once all are)."""
    done = completed_steps(draft)
    return STEPS[len(done)]


def may_open(step: str, draft: dict) -> bool:
    """A step may be shown once every step before it is completed (no skipping ahead by URL)."""
    return STEPS.index(step) <= len(completed_steps(draft))


def fold_name(name: str) -> str:
    """A name compared loosely: accents, case, hyphens, apostrophes and spaces ignored ("Lefèvre-O'Neil" ~
    "lefevre o neil"); Œ/Æ spelled out."""
    text = unicodedata.normalize("NFKD", (name or "").replace("Œ", "OE").replace("œ", "oe")
                                 .replace("Æ", "AE").replace("æ", "ae"))
    return "".join(c for c in text.casefold() if c.isalnum())


def matching_guardian(first_name: str, last_name: str, guardians: list[tuple[int, str, str, str]]) -> int | None:
    """The id of the guardian whose first name and last (or birth) name match, among (id, first, last, birth)."""
    first, last = fold_name(first_name), fold_name(last_name)
    for person_id, g_first, g_last, g_birth in guardians:
        if fold_name(g_first) == first and last in (fold_name(g_last), fold_name(g_birth)) and last:
            return person_id
    return None


def wants(preferences: dict[str, bool], kind: str) -> bool:
    """Whether an e-mail of `kind` should go, given the login's stored choices (missing: the default)."""
    if kind not in NOTIFICATION_DEFAULTS:
        raise ValueError(f"unknown notification kind: {kind}")
    return preferences.get(kind, NOTIFICATION_DEFAULTS[kind])


# --------------------------------------------------------------------------- who has access to a family's space


def principal_login(logins: list[tuple[int, bool, object]]) -> int | None:
    """The family's first login (the first made, ids growing, still active), among (id, active, created_at): the
    one who invites a co-représentant and may withdraw an access. None when no login is active."""
    active = [login_id for login_id, is_active, _created in logins if is_active]
    return min(active) if active else None


def may_withdraw(actor_id: int, target_id: int, logins: list[tuple[int, bool, object]]) -> bool:
    """The first login withdraws another's access; anyone may withdraw their own (but the first login cannot
    leave the family without any)."""
    principal = principal_login(logins)
    if target_id not in {login_id for login_id, is_active, _ in logins if is_active}:
        return False
    if actor_id == target_id:
        return actor_id != principal
    return actor_id == principal
