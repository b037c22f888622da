"""Plain French for the accounts a family opens or manages itself (through gettext)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

STEP_TITLES = {
    "informations": _l("Mes informations"),
    "dossier": _l("Mes références dossier"),
    "conditions": _l("Conditions d'utilisation"),
    "recapitulatif": _l("Récapitulatif"),
}

KEY_REFUSED = _l("Ce numéro de dossier et cette clé enfance ne vont pas ensemble, ou la clé a déjà servi. "
                 "Recopiez-les depuis la lettre du service Enfance.")
KEY_SHAPE = _l("La clé enfance compte 12 lettres et chiffres, par exemple K7F4-9QX2-M3PB.")
KEY_GONE = _l("Cette clé enfance vient de servir ou a été remplacée par une nouvelle lettre. "
              "Demandez une nouvelle clé au service Enfance.")
ATTEST_REQUIRED = _l("Cochez la case pour attester que ces informations sont exactes.")
CONDITIONS_REQUIRED = _l("Cochez la case pour accepter les conditions d'utilisation.")


def step_heading(step: str, steps: tuple[str, ...]) -> str:
    """ "Étape 2 sur 4 : Mes références dossier"."""
    return _("Étape %(num)d sur %(total)d : %(title)s", num=steps.index(step) + 1, total=len(steps),
             title=STEP_TITLES[step])


NOTIFICATION_LABELS = {
    "reminders": _l("Rappels (réservations à faire, justificatifs attendus, délais qui approchent)"),
    "news": _l("Actualités du service Enfance (inscriptions qui ouvrent, fermetures)"),
    "invoices": _l("Factures (une nouvelle facture est disponible)"),
}

REQUEST_STATUS = {"pending": _l("En attente"), "accepted": _l("Acceptée"), "refused": _l("Refusée")}
CHILD_BIRTH = {"future": _l("La date de naissance est dans le futur."),
               "adult": _l("Le portail est pour les enfants de moins de 18 ans : vérifiez la date de naissance.")}
NO_CHILD = _l("Indiquez au moins un enfant : prénom, nom et date de naissance.")
EMAIL_HAS_LOGIN = _l("Cette adresse est déjà l'identifiant d'un compte : la famille peut se connecter, ou utiliser "
                     "« Mot de passe oublié ». Refusez la demande en l'expliquant.")


def birth_words(iso: str) -> str:
    """ "14 mars 2019" from a stored "2019-03-14"."""
    from blueprints.documents.wording import format_day

    return format_day(dt.date.fromisoformat(iso))
