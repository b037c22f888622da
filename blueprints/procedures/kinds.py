"""The registry of démarche kinds: what each one is about (its target), its steps in order, and the defaults a
commune starts from when it offers it (applies at once or waits for an agent, required documents). The commune's own
choices live in ProcedureType rows; the steps are code (their forms are in forms.py, their effect on the family file
in record.py). Pure data: no Flask, no database."""

from __future__ import annotations

from dataclasses import dataclass

# Whom a request is about: the family file itself, one guardian, one child, one contact (or a new one).
TARGETS = ("family", "guardian", "child", "contact")
# The parts of the file the inscription administrative has the family confirm, one step each.
CONFIRM_STEPS = ("coordonnees", "enfants", "contacts", "sante", "autorisations", "allocataire")


@dataclass(frozen=True)
class Kind:
    code: str
    target: str
    steps: tuple[str, ...]
    immediate: bool = False  # the commune's default: applied on submission without an agent
    documents: tuple[str, ...] = ()  # the commune's default required documents
    position: int = 0


KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("coordonnees", "guardian", ("adresse", "telephones"), position=1),
    Kind("telephones", "guardian", ("telephones",), immediate=True, position=2),
    Kind("situation_familiale", "guardian", ("situation", "identite", "adresse_perso"), position=3),
    Kind("contact", "contact", ("identite", "telephones", "role"), position=4),
    Kind("sante", "child", ("medecin", "alimentation", "pai"), position=5),
    Kind("autorisations", "child", ("autorisations",), position=6),
    Kind("allocataire", "family", ("caisse", "quotient"), documents=("Attestation de quotient familial",),
         position=7),
    Kind("inscription_activite", "child", ("activite",), position=8),
    Kind("inscription_administrative", "family", CONFIRM_STEPS,
         documents=("Justificatif de domicile de moins de 3 mois", "Attestation d'assurance responsabilité civile"),
         position=0),
    # Prélèvement automatique (payments): the mandate is made by blueprints/payments/debits.py on acceptance.
    Kind("prelevement", "family", ("compte", "accord"), position=9),
    # Facture en ligne (payments): applied at once, no agent needed.
    Kind("facture_en_ligne", "family", ("facture",), immediate=True, position=10),
)}

# Where "Modifier" on a step of the inscription administrative leads: the démarche that changes that part.
CONFIRM_CHANGES = {"coordonnees": "coordonnees", "enfants": "sante", "contacts": "contact", "sante": "sante",
                   "autorisations": "autorisations", "allocataire": "allocataire"}

# Kinds whose answers are health data (need-to-know for agents, each read logged).
HEALTH_KINDS = frozenset({"sante"})


def school_year_of(today_year: int, today_month: int) -> str:
    """ "2026-2027": the school year an inscription administrative made in that month is for (from March on, the
    coming one: communes open it in spring for September)."""
    first = today_year if today_month >= 3 else today_year - 1
    return f"{first}-{first + 1}"
