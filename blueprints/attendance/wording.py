"""French words of the pointage and of the kitchen counts (codes of attendance/rules.py turned into sentences)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.attendance import rules

MARK_WORDS = {"present": _l("Présent"), "absent": _l("Absent")}
BOOKING_WORDS = {
    "reserved": _l("Réservé"),
    "absent": _l("Absence signalée par la famille"),
    "justified": _l("Absence justifiée"),
}
STAGE_WORDS = {
    "indicative": _l("Commande indicative"),
    "firm": _l("Commande ferme"),
    "update": _l("Modification après la commande ferme"),
}
PROBLEMS = {
    "status": _l("Choisissez « Présent » ou « Absent »."),
    "future": _l("Ce jour n'est pas encore arrivé : le pointage se fait le jour même ou après."),
    "child": _l("Choisissez un enfant de la liste."),
    "already": _l("Cet enfant est déjà sur la liste : pointez-le dans le tableau."),
}


def mark_text(status: str | None) -> str:
    """ "Présent", "Absent" or "Non pointé"."""
    return str(MARK_WORDS[status]) if status in MARK_WORDS else _("Non pointé")


def marked_sentence(name: str, status: str) -> str:
    """What the live region says after a mark: "Léa Martin : présente enregistrée." (no gender guess)."""
    return _("%(name)s : « %(mark)s » enregistré.", name=name, mark=mark_text(status))


def row_words() -> dict:
    """The words of a list's rows, translated once per page (a list renders hundreds of rows): a mark by its code
    (None: not marked), a booking by its state (None: present without a booking)."""
    return {"present": _("Présent"), "absent": _("Absent"), None: _("Non pointé"),
            "reserved": str(BOOKING_WORDS["reserved"]), "justified": str(BOOKING_WORDS["justified"]),
            "absence": str(BOOKING_WORDS["absent"]), "unbooked": _("Sans réservation"),
            "later": _("Pointage possible le jour même")}


def problem_text(code: str) -> str:
    return str(PROBLEMS.get(code, PROBLEMS["status"]))


def diet_name(diet: str) -> str:
    """A diet key of the counts in words ("" is the meal without a particular diet; adults)."""
    if diet == rules.STANDARD:
        return _("Repas sans régime particulier")
    if diet == rules.ADULTS:
        return _("Repas adultes")
    return diet


def stage_text(stage: str) -> str:
    return str(STAGE_WORDS.get(stage, stage))


def change_text(change: rules.Change) -> str:
    """ "École Jules-Ferry, Végétarien : 12 → 14 (+2)" """
    return _("%(site)s, %(diet)s : %(before)d → %(after)d (%(diff)+d)", site=change.site,
             diet=diet_name(change.diet), before=change.before, after=change.after, diff=change.difference)


def health_flags(pai: bool, allergies: str, diet: str) -> list[str]:
    """A child's health notes on the list: "PAI", "Allergies : arachide", "Régime : Sans porc"."""
    flags = []
    if pai:
        flags.append(_("PAI"))
    if (allergies or "").strip():
        text = " ".join(allergies.split())
        flags.append(_("Allergies : %(what)s", what=text if len(text) <= 120 else text[:119] + "…"))
    if diet:
        flags.append(_("Régime : %(diet)s", diet=diet))
    return flags
