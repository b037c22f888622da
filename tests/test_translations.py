"""Every user-facing string of the Python code reaches the catalogue template: Babel only extracts literals passed
to a gettext function (`make extract` keywords), never a variable or an f-string."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # as in the Makefile's `extract` target

EXPECTED = {
    "blueprints/agenda/page.py": ["Aucune modification à enregistrer.", "Demande invalide : rechargez la page."],
    "blueprints/notify.py": ["Une place s'est libérée : réservation confirmée"],
    "blueprints/reservations/wording.py": [
        "jour férié", "fermeture exceptionnelle", "vacances scolaires", "ouvert seulement pendant les vacances",
        "pas d'accueil ce jour-là", "en dehors de la période d'inscription", "fermé", "lundi", "décembre",
        "%(action)s jusqu'à la veille à 23 h 59."],
    "blueprints/family/views.py": ["%(slots)s du %(day)s"],
    "blueprints/backoffice/activities.py": ["Fermeture : %(reason)s", "Fermeture du %(day)s : réservations annulées"],
}


def extracted(path: str) -> set[str]:
    found = set()
    for _line, message, _comments, _context in extract_from_file("python", ROOT / path, keywords=KEYWORDS):
        found.update([message] if isinstance(message, str) else message)
    return found


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_user_facing_strings_are_extracted(path):
    missing = [m for m in EXPECTED[path] if m not in extracted(path)]
    assert not missing, f"{path}: not extractable by Babel: {missing}"


def test_the_catalogue_template_holds_them():
    with (ROOT / "translations" / "messages.pot").open("rb") as fh:
        catalog = read_po(fh)
    missing = [m for messages in EXPECTED.values() for m in messages if m not in catalog]
    assert not missing, f"run `make extract`: {missing}"
