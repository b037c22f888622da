"""French words of the menus: allergens, courses and labels through gettext, import errors, the agenda's warning."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.menus import rules

ALLERGEN_WORDS = {
    "gluten": _l("gluten"), "crustaceans": _l("crustacés"), "eggs": _l("œufs"), "fish": _l("poisson"),
    "peanuts": _l("arachide"), "soy": _l("soja"), "milk": _l("lait"), "nuts": _l("fruits à coque"),
    "celery": _l("céleri"), "mustard": _l("moutarde"), "sesame": _l("sésame"), "sulphites": _l("sulfites"),
    "lupin": _l("lupin"), "molluscs": _l("mollusques"),
}
COURSE_WORDS = {"starter": _l("Entrée"), "main": _l("Plat"), "side": _l("Accompagnement"),
                "dairy": _l("Produit laitier"), "dessert": _l("Dessert"), "snack": _l("Goûter")}
LABEL_WORDS = {"organic": _l("bio"), "local": _l("local"), "vegetarian": _l("végétarien")}
assert set(ALLERGEN_WORDS) == set(rules.ALLERGENS) and set(COURSE_WORDS) == set(rules.COURSES)


def allergens_text(codes_value: str) -> str:
    codes = rules.split_codes(codes_value)
    words = [str(ALLERGEN_WORDS[c]) for c in rules.ALLERGENS if c in codes]
    return ", ".join(words) if words else _("aucun")


def labels_text(codes_value: str) -> str:
    codes = rules.split_codes(codes_value)
    return ", ".join(str(LABEL_WORDS[c]) for c in rules.LABELS if c in codes)


def warning(codes: list[str]) -> str:
    """ "Menu du jour : contient arachide, lait" (codes from rules.menu_warning)."""
    return _("Menu du jour : contient %(what)s", what=", ".join(str(ALLERGEN_WORDS[c]) for c in codes))


def import_error(line: int, code: str) -> str:
    """One CSV import error, with its line."""
    code, _sep, detail = code.partition(":")
    messages = {
        "empty": _("le fichier est vide."),
        "header": _("la première ligne doit être : %(columns)s.", columns=";".join(rules.CSV_COLUMNS)),
        "too_many": _("plus de %(num)d lignes : coupez le fichier en plusieurs.", num=rules.CSV_MAX_ROWS),
        "date": _("date illisible ou hors des années 2000 à 2100 (écrivez-la 23/11/2026)."),
        "school": _("l'école manque."),
        "unknown_school": _("école inconnue : « %(name)s » (écrivez son nom comme dans la liste des écoles).",
                            name=detail),
        "name": _("le nom du plat manque ou dépasse 150 caractères."),
        "course": _("type de plat inconnu (entrée, plat, accompagnement, produit laitier, dessert ou goûter)."),
        "allergen": _("allergène inconnu : « %(name)s » (les 14 allergènes réglementaires, séparés par des "
                      "virgules, ou « aucun »).", name=detail),
        "label": _("label inconnu : « %(name)s » (bio, local ou végétarien).", name=detail),
        "no_rows": _("aucun plat dans le fichier."),
    }
    return _("Ligne %(line)d : %(message)s", line=line, message=messages.get(code, code))
