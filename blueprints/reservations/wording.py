"""Plain-French sentences for agenda states and decisions (one place, translatable with gettext)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.reservations import rules

# Lazy: translated when shown (in the request's language), and extracted by Babel (`_l`, see `make extract`).
CLOSED_REASONS = {
    "public_holiday": _l("jour férié"),
    "closure": _l("fermeture exceptionnelle"),
    "school_holiday": _l("vacances scolaires"),
    "not_holidays": _l("ouvert seulement pendant les vacances"),
    "weekday": _l("pas d'accueil ce jour-là"),
    "out_of_period": _l("en dehors de la période d'inscription"),
}


def slot_day(unit, day: dt.date) -> str:
    """ "Repas du lundi 23 novembre" """
    return _("%(slot)s du %(day)s", slot=unit.label, day=rules.format_date(day))


def closed_text(status) -> str:
    reason = CLOSED_REASONS[status.reason_code] if status.reason_code in CLOSED_REASONS else _("fermé")
    return _("Fermé (%(why)s)", why=status.label) if status.label else _("Fermé (%(why)s)", why=reason)


def refusal_text(unit, day: dt.date, refusal: rules.Refusal, child_name: str = "") -> str:
    what = slot_day(unit, day)
    p = refusal.params
    code = refusal.code
    if code == "past":
        return _("%(what)s : ce jour est passé, il ne peut plus être modifié.", what=what)
    if code == "closed" and p.get("reason") != "out_of_period":
        return _("%(what)s : l'accueil est fermé ce jour-là.", what=what)
    # Outside the child's enrolled periods the activity may well run: say what the family can act on.
    if code in ("not_enrolled", "closed"):
        return _(
            "%(what)s : %(child)s n'est pas inscrit(e) à cette activité ce jour-là. Contactez le service Enfance.",
            what=what,
            child=child_name or _("l'enfant"),
        )
    if code == "late_booking":
        return _(
            "%(what)s : les réservations sont closes depuis le %(when)s.",
            what=what,
            when=rules.format_deadline(p["deadline"]),
        )
    if code == "late_cancel":
        return _(
            "%(what)s : les annulations sont closes depuis le %(when)s. "
            "Pour une absence, utilisez « Signaler une absence ».",
            what=what,
            when=rules.format_deadline(p["deadline"]),
        )
    if code == "not_open":
        return _("%(what)s : les réservations ouvrent le %(when)s.", what=what, when=rules.format_deadline(p["opens"]))
    if code == "dependency":
        if p.get("unit_ids"):
            return _("%(what)s : annulez d'abord le repas de ce jour-là, qui demande une demi-journée.", what=what)
        return _("%(what)s : le repas se réserve avec la matinée ou l'après-midi du même jour.", what=what)
    return _("%(what)s : modification refusée.", what=what)


def outcome_text(outcome, child_name: str = "") -> str:
    """The sentence announced after a change ("Repas du lundi 23 novembre réservé")."""
    d = outcome.decision
    what = slot_day(outcome.unit, outcome.day)
    if d.refusal is not None:
        return refusal_text(outcome.unit, outcome.day, d.refusal, child_name)
    if d.outcome == "reserved":
        return _("%(what)s réservé.", what=what)
    if d.outcome == "cancelled":
        return (
            _("%(what)s annulé.", what=what)
            if d.before != "waiting"
            else _("%(what)s : retiré de la liste d'attente.", what=what)
        )
    if d.outcome in ("waiting", "still_waiting"):
        return _(
            "%(what)s : complet. Inscription sur la liste d'attente (position %(n)s).",
            what=what,
            n=outcome.position or "?",
        )
    if d.after in rules.TAKEN_STATES:
        return _("%(what)s : déjà réservé.", what=what)
    return _("%(what)s : pas de réservation.", what=what)


def state_text(slot) -> str:
    """The state of one slot in words, for the agenda (see views.SlotView)."""
    state = slot.state
    if state == "reserved":
        base = _("Réservé")
    elif state == "waiting":
        base = _("Liste d'attente, position %(n)s", n=slot.position or "?")
    elif state == "absent":
        base = _("Absence signalée")
    elif state == "justified":
        base = _("Absence justifiée")
    elif slot.full:
        base = _("Complet")
    else:
        base = _("Non réservé")
    return base


def lock_text(slot) -> str:
    """Why / until when the slot can be changed."""
    if slot.past:
        return _("Jour passé")
    if slot.locked_since is not None:
        return _("Modifications closes depuis le %(when)s", when=rules.format_deadline(slot.locked_since))
    if slot.full and slot.state is None:
        return _(
            "Cochez pour rejoindre la liste d'attente (jusqu'au %(when)s)", when=rules.format_deadline(slot.open_until)
        )
    return _("Modifiable jusqu'au %(when)s", when=rules.format_deadline(slot.open_until))
