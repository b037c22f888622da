"""Plain French for the démarches, through gettext: statuses, the default titles and help of each kind, step
titles, the labels and values of the answers (recap, request page, the agent's comparison), refusals."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.reservations.wording import format_long_date, format_moment

STATUS = {
    "draft": _l("Brouillon"), "submitted": _l("Déposée"), "in_progress": _l("En cours"),
    "incomplete": _l("À compléter"), "accepted": _l("Acceptée"), "refused": _l("Refusée"),
}
# What the family reads under the status.
STATUS_HELP = {
    "draft": _l("Pas encore envoyée : vous pouvez la reprendre ou la supprimer."),
    "submitted": _l("Reçue par le service : elle sera traitée prochainement."),
    "in_progress": _l("Un agent du service s'en occupe."),
    "incomplete": _l("Le service a besoin d'un complément : lisez son message puis complétez la demande."),
    "accepted": _l("Acceptée : votre dossier est à jour."),
    "refused": _l("Refusée : lisez le motif ci-dessous."),
}

TITLES = {
    "coordonnees": _l("Changement de coordonnées"),
    "telephones": _l("Changement de numéro de téléphone ou d'adresse e-mail"),
    "situation_familiale": _l("Changement de situation familiale"),
    "contact": _l("Ajout ou modification d'un contact"),
    "sante": _l("Informations santé et PAI"),
    "autorisations": _l("Autorisations"),
    "allocataire": _l("Informations allocataire (CAF, MSA, quotient familial)"),
    "inscription_activite": _l("Inscription à une activité"),
    "inscription_administrative": _l("Inscription administrative"),
    "prelevement": _l("Prélèvement automatique"),
    "facture_en_ligne": _l("Facture en ligne"),
}
DESCRIPTIONS = {
    "coordonnees": _l("Vous avez déménagé, ou changé de téléphone ou d'adresse e-mail."),
    "telephones": _l("Un nouveau numéro de téléphone ou une nouvelle adresse e-mail : enregistré tout de suite."),
    "situation_familiale": _l("Mariage, pacs, séparation, divorce, changement de nom."),
    "contact": _l("Une personne qui peut venir chercher votre enfant, ou que le service appelle en cas d'urgence."),
    "sante": _l("Médecin, vaccins, allergies, régime alimentaire, PAI (projet d'accueil individualisé)."),
    "autorisations": _l("Photos et vidéos, rentrer seul, transport, soins d'urgence."),
    "allocataire": _l("Votre numéro CAF ou MSA et votre quotient familial, qui fixe vos tarifs."),
    "inscription_activite": _l("Inscrire un enfant à la cantine, à l'accueil périscolaire ou de loisirs."),
    "inscription_administrative": _l("Chaque année : vérifiez tout le dossier de la famille et joignez les "
                                     "pièces demandées."),
    "prelevement": _l("Payer vos factures par prélèvement sur votre compte bancaire, à leur date d'échéance."),
    "facture_en_ligne": _l("Recevoir vos factures par e-mail plutôt que sur papier, ou revenir au papier."),
}
STEP_TITLES = {
    "adresse": _l("Adresse de la famille"), "telephones": _l("Téléphones et adresse e-mail"),
    "situation": _l("Situation familiale"), "identite": _l("Identité"), "adresse_perso": _l("Adresse personnelle"),
    "role": _l("Ce que cette personne peut faire"), "medecin": _l("Médecin et vaccins"),
    "alimentation": _l("Allergies et repas"), "pai": _l("PAI et autres informations"),
    "autorisations": _l("Autorisations"), "caisse": _l("Caisse d'allocations"), "quotient": _l("Quotient familial"),
    "activite": _l("Activité"), "pieces": _l("Pièces justificatives"),
    "coordonnees": _l("Vos coordonnées"), "enfants": _l("Vos enfants"), "contacts": _l("Personnes autorisées"),
    "sante": _l("Santé"), "allocataire": _l("Allocataire et quotient familial"),
    "compte": _l("Compte à prélever"), "accord": _l("Autorisation de prélèvement"),
    "facture": _l("Facture en ligne ou papier"),
}
SITUATIONS = {
    "married": _l("Marié(e)"), "pacs": _l("Pacsé(e)"), "cohabiting": _l("En couple, vie maritale"),
    "single": _l("Célibataire"), "separated": _l("Séparé(e)"), "divorced": _l("Divorcé(e)"),
    "widowed": _l("Veuf, veuve"),
}
AUTHORISATIONS = {
    "photo": _l("Être pris en photo ou filmé pendant les activités"),
    "leave_alone": _l("Rentrer seul à la maison"),
    "transport": _l("Être transporté en car ou minibus pour les sorties"),
    "emergency_care": _l("Recevoir des soins d'urgence (hospitalisation, anesthésie) si le service ne vous joint pas"),
}
# Labels of the values a démarche can change ("scope.field"), for the recap and the agent's comparison.
LABELS = {
    "family.address": _l("Adresse"), "family.postcode": _l("Code postal"), "family.city": _l("Commune"),
    "family.situation": _l("Situation familiale"), "family.allocataire_regime": _l("Caisse"),
    "family.allocataire_number": _l("Numéro d'allocataire"), "family.quotient_familial": _l("Quotient familial"),
    "family.qf_start_date": _l("Quotient familial valable depuis le"),
    "family.qf_source": _l("Quotient familial calculé par"),
    "family.registered_year": _l("Inscription administrative"),
    "person.civility": _l("Civilité"), "person.first_name": _l("Prénom"), "person.last_name": _l("Nom"),
    "person.birth_name": _l("Nom de naissance"), "person.relationship_label": _l("Lien avec l'enfant"),
    "person.address": _l("Adresse personnelle"), "person.postcode": _l("Code postal"), "person.city": _l("Commune"),
    "person.phone": _l("Téléphone portable"), "person.other_phone": _l("Autre téléphone"),
    "person.employer": _l("Employeur"), "person.work_phone": _l("Téléphone au travail"),
    "person.email": _l("Adresse e-mail"), "person.can_pick_up": _l("Peut venir chercher l'enfant"),
    "person.emergency_contact": _l("À appeler en cas d'urgence"),
    "health.doctor_name": _l("Médecin traitant"), "health.doctor_phone": _l("Téléphone du médecin"),
    "health.vaccinations_up_to_date": _l("Vaccins à jour"), "health.vaccinations_date": _l("Date du dernier vaccin"),
    "health.allergies": _l("Allergies"), "health.diet": _l("Régime alimentaire"), "health.pai": _l("PAI"),
    "health.pai_end_date": _l("PAI valable jusqu'au"), "health.pai_document_id": _l("Document du PAI"),
    "health.notes": _l("Autres informations utiles"),
    "enrol.period_id": _l("Activité et période"),
    "mandate.holder": _l("Titulaire du compte"), "mandate.iban": _l("IBAN"), "mandate.bic": _l("BIC"),
    "mandate.accepted": _l("Conditions du prélèvement acceptées"),
    "billing.paperless": _l("Factures par e-mail, sans papier"),
    **{f"auth.{kind}": label for kind, label in AUTHORISATIONS.items()},
}
CIVILITIES = {"Mme": _l("Madame"), "M.": _l("Monsieur"), "": _l("Non précisée")}
REGIMES = {"CAF": _l("CAF"), "MSA": _l("MSA"), "": _l("Aucune")}


def title(kind: str) -> str:
    return str(TITLES.get(kind, kind))


def status_text(status: str) -> str:
    return str(STATUS.get(status, status))


def value_text(key: str, value, names: dict | None = None) -> str:
    """A value of the file or of an answer, in words: "oui"/"non", a date written out, a situation, "(vide)"."""
    if value is None or value == "":
        return _("(non renseigné)")
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if key == "family.situation":
        return str(SITUATIONS.get(value, value))
    if key == "person.civility":
        return str(CIVILITIES.get(value, value))
    if key == "family.allocataire_regime":
        return str(REGIMES.get(value, value))
    if key in ("enrol.period_id", "health.pai_document_id") and names:
        return names.get(value, _("(introuvable)"))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_long_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def number_text(number: str) -> str:
    return _("Demande n° %(number)s", number=number)


def when(moment: dt.datetime | None) -> str:
    """ "lundi 23 novembre à 10 h" (Europe/Paris) """
    return format_moment(moment) if moment else ""


# --------------------------------------------------------------------------- refusals and problems

ALLOCATAIRE = {
    "caf": _l("Un numéro d'allocataire CAF a 7 chiffres, par exemple 1234567 : vérifiez-le sur un courrier de la CAF."),
    "msa": _l("Un numéro MSA ne contient que des chiffres (de 5 à 15) : vérifiez-le sur un courrier de la MSA."),
    "needed": _l("Saisissez votre numéro d'allocataire, ou choisissez « Aucune »."),
    "unexpected": _l("Choisissez votre caisse (CAF ou MSA), ou effacez le numéro."),
}


def conflict_text(conflicts, labels=None) -> str:
    """ "Le dossier a changé depuis la demande : adresse (était « 3 rue A », est maintenant « 5 rue B »)." """
    parts = [_("%(label)s (était « %(before)s », est maintenant « %(now)s »)",
               label=str(LABELS.get(c.key, c.key)), before=value_text(c.key, c.before, labels),
               now=value_text(c.key, c.now, labels)) for c in conflicts]
    return _("Le dossier a changé depuis la demande : %(changes)s.", changes="; ".join(parts))


REFUSED = {  # why a request cannot do what was asked (service.Refused codes), for families and agents
    "not_editable": _l("Cette demande a déjà été envoyée : elle ne peut plus être modifiée."),
    "not_draft": _l("Cette demande a été envoyée : elle ne peut plus être supprimée."),
    "unanswered": _l("Une étape de la démarche n'est pas remplie : complétez-la avant d'envoyer la demande."),
    "documents": _l("Il manque une pièce justificative : joignez-la avant d'envoyer la demande."),
    "unchanged": _l("Vos réponses ne changent rien au dossier : modifiez au moins une réponse, ou abandonnez la "
                    "démarche."),
    "not_allowed": _l("Cette action n'est pas possible dans l'état actuel de la demande."),
    "changed": _l("La demande vient d'être traitée par quelqu'un d'autre : voici son état actuel."),
    "stale": _l("Le dossier vient d'être modifié par quelqu'un d'autre au même moment : rien n'a été enregistré. "
                "Rechargez la page et recommencez."),
}
APPLY = {  # why an accepted request could not be applied (record.ApplyError codes)
    "person_gone": _l("La personne concernée n'est plus dans le dossier : la demande ne peut pas être appliquée."),
    "period_gone": _l("Cette période d'activité n'existe plus : la demande ne peut pas être appliquée."),
    "enrol_already": _l("L'enfant est déjà inscrit à cette activité pour cette période."),
    "enrol_over": _l("Cette période d'activité est terminée : l'inscription n'est plus possible."),
    **{f"mandate_{code}": text for code, text in (
        ("iban_checksum", _l("L'IBAN de la demande n'est pas valide : demandez à la famille de le vérifier.")),
        ("iban_format", _l("L'IBAN de la demande n'est pas valide : demandez à la famille de le vérifier.")),
        ("iban_length", _l("L'IBAN de la demande n'est pas valide : demandez à la famille de le vérifier.")),
        ("iban_empty", _l("La demande n'a pas d'IBAN.")),
        ("iban_not_sepa", _l("Ce compte n'est pas dans la zone SEPA : le prélèvement n'est pas possible.")),
        ("bic_invalid", _l("Le BIC de la demande n'est pas valide.")),
        ("bic_country", _l("Le BIC ne correspond pas au pays de l'IBAN.")),
        ("bic_needed", _l("Le BIC de cette banque est nécessaire.")),
        ("rum", _l("La référence du mandat n'a pas pu être créée : réessayez.")))},
}
HINTS = {  # under a field, by name
    "postcode": _l("5 chiffres, par exemple 49000."),
    "phone": _l("Par exemple 06 12 34 56 78."), "other_phone": _l("Par exemple 02 41 12 34 56."),
    "work_phone": _l("Le numéro où le service peut vous joindre en journée."),
    "doctor_phone": _l("Par exemple 02 41 12 34 56."),
    "email": _l("Le service vous écrit à cette adresse."),
    "birth_name": _l("Si vous avez changé de nom, par exemple après un mariage."),
    "vaccinations_date": _l("Regardez le carnet de santé. Par exemple 14/09/2026."),
    "pai_end_date": _l("Par exemple 04/07/2027."), "qf_start_date": _l("Par exemple 01/01/2026."),
    "allocataire_number": _l("CAF : 7 chiffres. MSA : le numéro de vos courriers MSA."),
    "quotient_familial": _l("Le nombre écrit sur votre attestation de quotient familial, par exemple 850."),
    "allergies": _l("Aliments, médicaments, piqûres d'insectes... Laissez vide s'il n'y en a pas."),
    "notes": _l("Par exemple un traitement, un handicap, une peur. Seuls les agents autorisés les lisent."),
    "pai_file": _l("Facultatif ici : vous pouvez aussi l'apporter au service."),
    "relationship_label": _l("Par exemple grand-mère, voisin, assistante maternelle."),
    "address": _l("Par exemple 12 rue des Tilleuls."),
    "iban": _l("Sur votre RIB : 27 caractères pour un compte en France, par exemple FR76 3000 6000 0112 3456 7890 "
               "189."),
    "bic": _l("Facultatif : nous le retrouvons à partir de l'IBAN. 8 ou 11 caractères, par exemple BNPAFRPP."),
}
