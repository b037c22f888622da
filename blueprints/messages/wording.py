"""Plain French for the messagerie, through gettext: statuses, folders, the problems of a message."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.messages.rules import MAX_BODY, MAX_SUBJECT
from blueprints.reservations.wording import format_moment

STATUS = {"open": _l("En cours"), "closed": _l("Clôturée")}
FOLDERS = {"unread": _l("Non lues"), "mine": _l("Qui me sont attribuées"), "open": _l("En cours"),
           "closed": _l("Clôturées")}


def body_problem_text(problem: str) -> str:
    if problem == "empty":
        return _("Écrivez votre message.")
    return _("Le message doit contenir au plus %(max)d caractères. Raccourcissez-le, ou envoyez la suite dans un "
             "second message.", max=MAX_BODY)


def subject_problem_text(problem: str) -> str:
    if problem == "empty":
        return _("Saisissez l'objet du message, par exemple « Facture de novembre ».")
    return _("L'objet doit contenir au plus %(max)d caractères.", max=MAX_SUBJECT)


def theme_label(theme) -> str:
    """"Service scolaire : facturation, quotient, inscription école"."""
    return _("%(service)s : %(theme)s", service=theme.service.name, theme=theme.label)


def author(message) -> str:
    """Who wrote a message, as the family reads it."""
    if message.from_family:
        return message.author.display_name if message.author and message.author.display_name else _("Vous")
    return message.conversation.service.name


def moment(when) -> str:
    """"lundi 23 novembre à 10 h 05" (Europe/Paris)."""
    return format_moment(when)
