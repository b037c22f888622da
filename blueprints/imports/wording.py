"""French words of the families' import: each problem of a line, the columns' names."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.imports import rules

PROBLEMS = {
    "empty": _l("Le fichier est vide."),
    "encoding": _l("Le fichier n'est pas un texte en UTF-8 ni en Windows-1252 : enregistrez-le en « CSV UTF-8 »."),
    "missing_column": _l("Colonne obligatoire absente de la première ligne."),
    "unknown_column": _l("Colonne inconnue : elle sera ignorée. Vérifiez son nom dans le modèle."),
    "too_many_cells": _l("Plus de cellules que de colonnes : un « ; » de trop dans un texte ?"),
    "required": _l("Obligatoire."),
    "too_long": _l("Trop long : au plus %(value)s caractères."),
    "control": _l("Contient un caractère invisible interdit."),
    "role": _l("« %(value)s » : écrivez responsable, enfant ou contact."),
    "civility": _l("« %(value)s » : écrivez Mme, M. ou laissez vide."),
    "date": _l("« %(value)s » : écrivez la date comme 14/03/2018."),
    "date_range": _l("« %(value)s » : date impossible (avant 1900 ou dans le futur)."),
    "email": _l("« %(value)s » : adresse e-mail invalide. La ligne est importée, mais cette adresse ne recevra pas "
                "d'invitation : corrigez-la dans le dossier."),
    "school": _l("« %(value)s » : école inconnue. Écrivez son nom comme dans Gestion (ou créez-la d'abord)."),
    "activity": _l("« %(value)s » : code d'activité inconnu."),
    "yes_no": _l("« %(value)s » : écrivez oui ou non."),
    "child_only": _l("École et activités ne concernent que les enfants."),
    "duplicate": _l("Même personne qu'à la ligne %(value)s."),
    "no_guardian": _l("Le dossier %(value)s n'a aucun responsable dans le fichier."),
}


def problem_text(problem: rules.Problem) -> str:
    return str(PROBLEMS.get(problem.code, PROBLEMS["required"])) % {"value": problem.value}


def imported_summary(line: int) -> str:
    return _("Dossier importé (fichier CSV, ligne %(n)d).", n=line)
