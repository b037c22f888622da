"""The French words of the calendar feeds: calendar names, event summaries, what a change of link did."""

from __future__ import annotations

from flask_babel import gettext as _

from blueprints.feeds import rules


def child_calendar_name(child) -> str:
    return _("Agenda de %(name)s", name=child.first_name)


def child_calendar_description(child) -> str:
    return _("Réservations de %(name)s (accueil périscolaire, repas, centre de loisirs).", name=child.first_name)


def family_calendar_name(family) -> str:
    return _("Agenda de la famille %(name)s", name=family.name)


def family_calendar_description(children) -> str:
    return _("Réservations de %(names)s (accueil périscolaire, repas, centre de loisirs).",
             names=names_text([c.first_name for c in children]))


def event_summary(child, slots: str) -> str:
    """ "Léa : Accueil du matin, Repas" """
    return _("%(name)s : %(slots)s", name=child.first_name, slots=slots)


def names_text(names: list[str]) -> str:
    """ "Léa", "Léa et Hugo", "Léa, Hugo et Tom" """
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s et %(last)s", first=", ".join(names[:-1]), last=names[-1])


def outcome_message(outcome: str, child=None) -> tuple[str, str]:
    """What a change of link did, as (flash category, sentence); `child` None for the family's link."""
    whose = (_("les réservations de %(name)s", name=child.first_name) if child
             else _("les réservations de vos enfants"))
    if outcome == rules.CREATE:
        return "success", _("Lien d'abonnement créé. Touchez « S'abonner sur ce téléphone », ou copiez le lien.")
    if outcome == rules.EXISTS:
        return "info", _("Le lien d'abonnement existe déjà : il est affiché ci-dessous.")
    if outcome == rules.ROTATE:
        return "success", _("Lien changé : l'ancien ne marche plus. Refaites l'abonnement sur vos appareils "
                            "avec le nouveau lien.")
    if outcome == rules.DELETE:
        return "success", _("Lien supprimé : l'abonnement ne reçoit plus %(whose)s.", whose=whose)
    if outcome == rules.STALE:
        return "info", _("Le lien avait déjà été changé : rien n'a été fait. Le bon lien est affiché ci-dessous.")
    return "info", _("Il n'y a pas de lien d'abonnement : rien n'a été fait.")
