"""Plain French for the family files, through gettext: what rules.py refuses, and the lines of a file's journal
(FamilyChange.summary, written in words when the change is made, like a reservation's reason)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

# Field names as the journal lists them ("adresse, téléphone").
FIELD_NAMES = {
    "name": _l("nom de famille"), "address": _l("adresse"), "postcode": _l("code postal"), "city": _l("commune"),
    "phone": _l("téléphone"), "email": _l("adresse e-mail"), "civility": _l("civilité"), "first_name": _l("prénom"),
    "last_name": _l("nom"), "relationship_label": _l("lien avec l'enfant"), "birth_date": _l("date de naissance"),
    "school_id": _l("école"), "class_name": _l("classe"), "can_pick_up": _l("peut venir chercher l'enfant"),
    "emergency_contact": _l("à appeler en cas d'urgence"), "birth_name": _l("nom de naissance"),
    "other_phone": _l("autre téléphone"), "employer": _l("employeur"), "work_phone": _l("téléphone au travail"),
    "situation": _l("situation familiale"), "allocataire_regime": _l("caisse d'allocations"),
    "allocataire_number": _l("numéro d'allocataire"), "quotient_familial": _l("quotient familial"),
    "qf_start_date": _l("date du quotient familial"), "qf_source": _l("source du quotient familial"),
    "registered_year": _l("inscription administrative"),
}
ROLE_ADDED = {"guardian": _l("Représentant ajouté : %(name)s."), "child": _l("Enfant ajouté : %(name)s."),
              "contact": _l("Contact ajouté : %(name)s.")}
ROLE_REMOVED = {"child": _l("Fiche de l'enfant supprimée : %(name)s."), "contact": _l("Contact retiré : %(name)s.")}


def field_list(names) -> str:
    return ", ".join(str(FIELD_NAMES.get(n, n)) for n in names)


def created(dossier_number: str, guardians: int, children: int) -> str:
    """ "Dossier D-2026-0031 créé : 2 représentants, 1 enfant." """
    return _("Dossier %(number)s créé : %(guardians)s, %(children)s.", number=dossier_number,
             guardians=ngettext("%(num)d représentant", "%(num)d représentants", guardians),
             children=ngettext("%(num)d enfant", "%(num)d enfants", children) if children else _("aucun enfant"))


def family_updated(names) -> str:
    return _("Coordonnées de la famille modifiées : %(fields)s.", fields=field_list(names))


def person_added(role: str, name: str) -> str:
    return str(ROLE_ADDED[role]) % {"name": name}


def person_updated(name: str, names) -> str:
    return _("Fiche de %(name)s modifiée : %(fields)s.", name=name, fields=field_list(names))


def person_removed(role: str, name: str) -> str:
    return str(ROLE_REMOVED[role]) % {"name": name}


def enrolled(name: str, activity: str, period: str) -> str:
    return _("Inscription de %(name)s : %(activity)s, %(period)s.", name=name, activity=activity, period=period)


def unenrolled(name: str, activity: str, period: str, cancelled: int) -> str:
    return _("Désinscription de %(name)s : %(activity)s, %(period)s (%(cancelled)s).", name=name,
             activity=activity, period=period,
             cancelled=ngettext("%(num)d réservation annulée", "%(num)d réservations annulées", cancelled))


# --------------------------------------------------------------------------- refusals


def birth_date_text(problem: str) -> str:
    """Why a birth date is refused (rules.birth_date_problem)."""
    if problem == "future":
        return _("La date de naissance doit être passée : vérifiez le jour, le mois et l'année.")
    return _("L'enfant doit avoir moins de 18 ans : vérifiez l'année de naissance.")


def enrollment_text(problem: str, child_name: str, activity: str, period: str) -> str:
    """Why an enrolment is refused (rules.enrollment_problem)."""
    if problem == "already":
        return _("%(name)s a déjà une inscription à « %(activity)s » pour la période « %(period)s ».",
                 name=child_name, activity=activity, period=period)
    return _("La période « %(period)s » est terminée : choisissez une période en cours ou à venir.", period=period)


def removal_text(child_name: str) -> str:
    """Why a child's file is kept (rules.child_removal_problem)."""
    return _("La fiche de %(name)s ne peut pas être supprimée : des réservations ou un historique y sont liés, "
             "gardés pour la facturation et le suivi. Pour arrêter ses réservations, désinscrivez l'enfant de ses "
             "activités.", name=child_name)


def email_text(problem: str, email: str) -> str:
    """Why a guardian's e-mail address is refused (service.email_problem)."""
    if problem == "guardian":
        return _("Un autre représentant de la famille a déjà l'adresse %(email)s : chacun doit avoir la sienne.",
                 email=email)
    if problem == "other_family":
        return _("L'adresse %(email)s est déjà celle du compte d'une autre famille : saisissez une autre adresse, "
                 "ou laissez le champ vide.", email=email)
    return _("L'adresse %(email)s sert déjà à se connecter à un autre compte : saisissez une autre adresse, ou "
             "laissez le champ vide.", email=email)


DIET = {  # why a diet label is refused (rules.diet_label_problem)
    "empty": _l("Saisissez le nom du régime, par exemple « Végétarien »."),
    "exists": _l("Ce régime est déjà proposé."),
    "religious": _l("Un régime décrit ce que l'enfant mange, jamais une religion : écrivez par exemple « Sans porc »."),
}
