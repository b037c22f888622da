"""The password policy (CNIL délibération 2022-100, with login throttling): what a new password must be.

At least 12 characters, no invisible (control) character, not the user's e-mail, name or first name (even repeated,
combined or with digits around), not a common or breached password or a variant of one (common_passwords.txt,
compared by letters only), not the example the form shows, and hard enough to guess for zxcvbn (score >= 3 out of 4,
the user's own words counted as known). Each refusal says in French what to do instead.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import matching
from zxcvbn import zxcvbn as estimate

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
SCORED_LENGTH = 72  # zxcvbn's own limit; what comes after only adds strength
EXAMPLE = "Girafe-violette-et-7-nuages"  # shown in the hint, so refused as such (everyone would copy it)
LIST = Path(__file__).with_name("common_passwords.txt")
PASSPHRASE_ADVICE = _l(
    "Utilisez plutôt une phrase de passe de 4 mots ou plus, que vous êtes seul(e) à connaître, par exemple "
    "« %(example)s » (inventez la vôtre).", example=EXAMPLE)
HINT = _l(
    "Au moins 12 caractères. Le plus simple : une phrase de passe de 4 mots ou plus que vous retiendrez, par exemple "
    "« %(example)s » (inventez la vôtre). Sont refusés : les mots de passe courants même avec des chiffres "
    "(azerty, motdepasse, soleil2024…), les suites de touches ou de chiffres, votre nom et votre adresse e-mail.",
    example=EXAMPLE)
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps the user's words in a module-level dictionary


def letters(text: str) -> str:
    """Lower-case letters only, accents removed: "Azerty-123!" -> "azerty", "Mot2Passé" -> "motpasse"."""
    plain = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in plain if "a" <= c <= "z")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The letters of every password of common_passwords.txt (read once), and the French ones taught to zxcvbn."""
    entries = [line.strip() for line in LIST.read_text(encoding="utf-8").splitlines()]
    entries = [e for e in entries if e and not e.startswith("#")]
    matching.add_frequency_lists({"portail_common": [e.lower() for e in entries]})
    return frozenset(key for key in map(letters, entries) if key)


def is_common(password: str) -> bool:
    """A common password, or one or two common words with digits or symbols around them ("Azerty123456",
    "soleil2024soleil", "Chaton-Soleil!"): three common words or more make a passphrase, left to zxcvbn."""
    common = common_passwords()
    plain = unicodedata.normalize("NFKD", password.lower())
    words = [w for w in re.split(r"[^a-z]+", "".join(c for c in plain if not unicodedata.combining(c))) if w]
    return letters(password) in common or (bool(words) and len(set(words)) <= 2 and all(w in common for w in words))


def _identity_words(email: str, names: tuple[str, ...]) -> list[str]:
    """The user's own words, longest first: names, e-mail, its parts ("camille.martin@mairie.fr" -> camille...)."""
    local, _at, domain = email.lower().partition("@")
    words = {email.lower(), local, *re.split(r"[^\w]+", local), *domain.split("."), *names}
    return sorted({letters(w) for w in words if len(letters(w)) >= 3}, key=len, reverse=True)


def reuses_identity(password: str, email: str, names: tuple[str, ...]) -> bool:
    """True when, once the user's names and e-mail words are taken out, fewer than 4 letters are left
    ("MartinMartin", "camille.martin2026", "Camille Martin!!")."""
    rest = letters(password)
    for word in _identity_words(email, names):
        rest = rest.replace(word, "")
    return rest != letters(password) and len(rest) < 4


def strength(password: str, user_words: list[str]) -> int:
    """zxcvbn's score 0..4, the user's words counted as the first guesses an attacker would try."""
    common_passwords()  # teaches zxcvbn the French list first
    with _zxcvbn_lock:
        return estimate(password[:SCORED_LENGTH], user_inputs=user_words, max_length=SCORED_LENGTH)["score"]


def password_problem(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> str | None:
    """The first reason this password is refused, in French, or None. Used by every form that sets one."""
    if any(unicodedata.category(c) == "Cc" for c in password):
        return _("Le mot de passe contient un caractère invisible (caractère de contrôle) : retapez-le au clavier "
                 "plutôt que de le coller.")
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
    if reuses_identity(password, email, names):
        return _("Le mot de passe ne doit pas reprendre votre nom, votre prénom ou votre adresse e-mail, même "
                 "répétés ou avec des chiffres.") + " " + str(PASSPHRASE_ADVICE)
    if letters(password) == letters(EXAMPLE):
        return _("N'utilisez pas l'exemple donné : inventez votre propre phrase de passe.")
    if is_common(password):
        return _("Ce mot de passe fait partie des plus courants (ou en est une variante avec des chiffres, des "
                 "majuscules ou des symboles) : il serait deviné parmi les premiers.") + " " + str(PASSPHRASE_ADVICE)
    if strength(password, _identity_words(email, names)) < MIN_SCORE:
        return _("Ce mot de passe serait trop facile à deviner (suite de touches ou de chiffres, mot courant, "
                 "répétition…).") + " " + str(PASSPHRASE_ADVICE)
    return None
