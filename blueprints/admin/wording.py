"""French words of the administration pages (roles, two-factor authentication, RGPD, audit)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {  # the role as an administrator chooses it
    "admin": _l("Administration : tout le service, et la gestion des agents et le journal"),
    "direction": _l("Direction : tout le service"),
    "site": _l("Agent de site : listes et pointage de ses écoles"),
    "regie": _l("Régie : facturation (et lecture des dossiers familles)"),
    "accueil": _l("Accueil : familles, demandes, pièces et absences"),
}
ROLE_SHORT = {"admin": _l("Administration"), "direction": _l("Direction"), "site": _l("Agent de site"),
              "regie": _l("Régie"), "accueil": _l("Accueil")}

CODE_LABEL = _l("Code de vérification")
CODE_REQUIRED = _l("Saisissez le code à 6 chiffres de votre application, ou un code de secours.")
CODE_WRONG = _l("Ce code n'est pas bon, ou il a déjà servi. Saisissez le code affiché maintenant par votre "
                "application (il change toutes les 30 secondes), ou un code de secours.")
ENROL_CODE_WRONG = _l("Ce code n'est pas bon. Saisissez le code à 6 chiffres affiché maintenant par votre "
                      "application, après avoir ajouté le compte.")
TWO_FACTOR_ON = _l("La double authentification est activée. Gardez vos codes de secours en lieu sûr.")
RECOVERY_USED = _l("Vous vous êtes connecté(e) avec un code de secours : il ne servira plus. Il vous en reste "
                   "%(num)d.")
PENDING_EXPIRED = _l("Pour votre sécurité, reconnectez-vous : l'étape du code a duré plus de 10 minutes.")

AGENT_EMAIL_TAKEN = _l("Cette adresse est déjà celle d'un autre compte.")
AGENT_SITES_REQUIRED = _l("Choisissez au moins une école pour un agent de site.")
AGENT_ROLE_REQUIRED = _l("Choisissez le rôle de l'agent.")
AGENT_NAME_REQUIRED = _l("Saisissez le nom de l'agent, par exemple « Nadia Benali ».")
AGENT_NAME_TOO_LONG = _l("Le nom doit contenir au plus 200 caractères.")
AGENT_CREATED = _l("Le compte de %(name)s est créé : un lien d'activation (valable 24 h) lui a été envoyé.")
AGENT_MAIL_FAILED = _l("Le compte de %(name)s est créé, mais l'e-mail n'est pas parti. Renvoyez le lien plus tard.")
AGENT_SAVED = _l("Les droits de %(name)s sont enregistrés.")
AGENT_DEACTIVATED = _l("Le compte de %(name)s est désactivé : ses sessions sont fermées.")
AGENT_REACTIVATED = _l("Le compte de %(name)s est de nouveau actif.")
AGENT_NOT_SELF = _l("Vous ne pouvez pas désactiver votre propre compte ni retirer votre rôle d'administration.")
AGENT_TWO_FACTOR_RESET = _l("La double authentification de %(name)s est réinitialisée : elle sera à configurer "
                            "à sa prochaine connexion.")
RECOVERY_RENEWED = _l("Vos nouveaux codes de secours sont prêts ; les anciens ne servent plus.")
AGENT_EMAIL_LABEL = _l("Adresse e-mail professionnelle")
AGENT_NAME_LABEL = _l("Nom affiché")
AGENT_ROLE_LABEL = _l("Rôle")
AGENT_SITES_LABEL = _l("Écoles de l'agent de site")
AGENT_HEALTH_LABEL = _l("Peut lire les données de santé des enfants (allergies, PAI, régime) ; chaque lecture est "
                        "enregistrée")

AUDIT_KINDS = {"sante": _l("Lecture de données de santé"), "dossier": _l("Dossier famille"),
               "reservation": _l("Réservation"), "demande": _l("Demande")}
AUDIT_SYSTEM = _l("le portail (automatique)")
AUDIT_HEALTH_READ = _l("a lu les données de santé (%(place)s)")
AUDIT_FAMILY = _l("Famille %(name)s")
AUDIT_REQUEST = _l("Demande n° %(number)s, famille %(name)s")
AUDIT_STATUS = _l("état : %(before)s → %(after)s")
AUDIT_EVENT_KINDS = {"assigned": _l("prise en charge par un agent"), "message": _l("message")}
AUDIT_BOOKING = _l("%(activity)s, %(unit)s, %(day)s : %(before)s → %(after)s")
BOOKING_STATES = {None: _l("rien"), "reserved": _l("réservé"), "waiting": _l("liste d'attente"),
                  "absent": _l("absent"), "justified": _l("absence justifiée")}


def booking_state(state):
    return str(BOOKING_STATES.get(state, state))
AUDIT_KIND_LABEL = _l("Type")
AUDIT_ACTOR_LABEL = _l("Agent")
AUDIT_NAME_LABEL = _l("Nom d'enfant ou de famille")
AUDIT_NAME_TOO_LONG = _l("Saisissez au plus 100 caractères.")
AUDIT_FROM_LABEL = _l("Du")
AUDIT_TO_LABEL = _l("Au")
AUDIT_ALL = _l("Tous")
AUDIT_EVERYONE = _l("Tout le monde")
AUDIT_CSV_HEADER = (_l("Date"), _l("Type"), _l("Par"), _l("Concerne"), _l("Détail"))
STATS_CSV_HEADER = (_l("Mois"), _l("Places réservées"), _l("Présences (estimées)"), _l("Absences"),
                    _l("Taux de présence (%)"), _l("Repas"))
STATS_MEALS_AT = _l("Repas : %(site)s")
