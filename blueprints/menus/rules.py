"""Rules of the canteen menus: the 14 regulatory allergens (règlement (UE) n° 1169/2011, annexe II), courses and
labels, reading the CSV agents import, and matching a child's declared allergies with a day's dishes.
Pure functions: no Flask, no database, no clock."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

# code -> the word shown ("contient arachide"), in the regulation's order.
ALLERGENS = {
    "gluten": "gluten",
    "crustaceans": "crustacés",
    "eggs": "œufs",
    "fish": "poisson",
    "peanuts": "arachide",
    "soy": "soja",
    "milk": "lait",
    "nuts": "fruits à coque",
    "celery": "céleri",
    "mustard": "moutarde",
    "sesame": "sésame",
    "sulphites": "sulfites",
    "lupin": "lupin",
    "molluscs": "mollusques",
}
COURSES = {"starter": "Entrée", "main": "Plat", "side": "Accompagnement", "dairy": "Produit laitier",
           "dessert": "Dessert", "snack": "Goûter"}
LABELS = {"organic": "bio", "local": "local", "vegetarian": "végétarien"}

# Words a parent writes in the allergies of a child (ChildHealth.allergies) or an agent in a CSV, per allergen.
# Compared without accents and case, as whole words (singular or plural): "Allergie aux cacahuètes" -> peanuts.
SYNONYMS = {
    "gluten": ("gluten", "ble", "seigle", "orge", "avoine", "epeautre", "kamut", "coeliaque", "celiaque"),
    "crustaceans": ("crustace", "crevette", "crabe", "homard", "langoustine", "ecrevisse", "langouste"),
    "eggs": ("oeuf", "oeufs", "oef", "ovalbumine"),
    "fish": ("poisson", "poissons", "cabillaud", "saumon", "thon", "colin", "merlu", "sardine"),
    "peanuts": ("arachide", "arachides", "cacahuete", "cacahuetes", "cacahouete", "cacahouetes"),
    "soy": ("soja", "soya"),
    "milk": ("lait", "laitier", "laitiers", "lactose", "plv", "caseine"),
    "nuts": ("fruits a coque", "fruit a coque", "noix", "noisette", "amande", "cajou", "pistache", "pecan",
             "macadamia", "noix du bresil"),
    "celery": ("celeri",),
    "mustard": ("moutarde",),
    "sesame": ("sesame",),
    "sulphites": ("sulfite", "sulfites", "anhydride sulfureux", "dioxyde de soufre"),
    "lupin": ("lupin",),
    "molluscs": ("mollusque", "moule", "huitre", "calamar", "seiche", "poulpe", "encornet", "escargot",
                 "coquille saint-jacques", "bulot"),
}
LABEL_WORDS = {"organic": ("bio", "biologique", "ab"), "local": ("local", "locale", "circuit court"),
               "vegetarian": ("vegetarien", "vegetarienne", "vege", "veggie")}
COURSE_WORDS = {"starter": ("entree",), "main": ("plat", "plat principal", "viande", "poisson"),
                "side": ("accompagnement", "garniture", "legume", "feculent"),
                "dairy": ("produit laitier", "laitage", "fromage", "yaourt"), "dessert": ("dessert",),
                "snack": ("gouter",)}

CSV_COLUMNS = ("date", "ecole", "type", "plat", "allergenes", "labels")
CSV_MAX_ROWS = 5000


def plain(text: str) -> str:
    """Lower case, without accents, œ as oe, other punctuation as spaces: what word matching compares."""
    text = (text or "").lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " " + re.sub(r"[^a-z0-9]+", " ", text).strip() + " "


def _has_word(haystack: str, word: str) -> bool:
    """`word` (already plain, may be several words) is in `haystack` (plain, padded), alone or in the plural."""
    return any(f" {form} " in haystack for form in (word, word + "s", word + "x"))


def allergens_in_text(text: str) -> set[str]:
    """The regulatory allergens a free text names: a child's declared allergies ("arachides, kiwi"), a CSV cell."""
    haystack = plain(text)
    return {code for code, words in SYNONYMS.items() if any(_has_word(haystack, plain(w).strip()) for w in words)}


def menu_warning(child_allergens: set[str], dishes_allergens: list[set[str]]) -> list[str]:
    """The codes of the allergens both declared for the child and in a day's dishes, in the regulation's order
    (empty when none): what the agenda's meal slot warns of ("Menu du jour : contient arachide")."""
    present = set().union(*dishes_allergens) if dishes_allergens else set()
    return [code for code in ALLERGENS if code in present and code in child_allergens]


def split_codes(value: str) -> set[str]:
    return {code for code in (value or "").split(",") if code}


def join_codes(codes, known) -> str:
    """Codes stored in a column, in their reference order (ALLERGENS or LABELS)."""
    return ",".join(code for code in known if code in set(codes))


# --------------------------------------------------------------------------- CSV import


@dataclass
class ImportedDish:
    line: int
    day: dt.date
    school: str  # as written; the service finds the school by name
    course: str
    name: str
    allergens: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)


@dataclass
class ImportResult:
    dishes: list[ImportedDish] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, code[:detail])


def decode(data: bytes) -> str:
    """The CSV's text: UTF-8 (with or without BOM), else Windows-1252 (what Excel saves in France)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _date(value: str) -> dt.date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _codes(value: str, words: dict[str, tuple[str, ...]], names: dict[str, str]) -> tuple[set[str], list[str]]:
    """Codes of a cell listing allergens or labels by name ("gluten, lait", "œufs"), and the unknown items."""
    found, unknown = set(), []
    for item in re.split(r"[,/+|]", value or ""):
        if not item.strip():
            continue
        item_plain = plain(item)
        codes = {code for code, ws in words.items() if any(_has_word(item_plain, plain(w).strip()) for w in ws)}
        codes |= {code for code, name in names.items() if plain(name) == item_plain or plain(code) == item_plain}
        if codes:
            found |= codes
        else:
            unknown.append(item.strip())
    return found, unknown


def parse_csv(text: str, first_day: dt.date, last_day: dt.date) -> ImportResult:
    """Read the menus CSV (`;` separated, a header line with CSV_COLUMNS): every row checked, every error with its
    line number. Dates outside first_day..last_day are refused (edge of what the portal handles)."""
    result = ImportResult()
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader, None)
    if header is None:
        result.errors.append((1, "empty"))
        return result
    columns = [plain(h).strip() for h in header]
    if columns[:len(CSV_COLUMNS)] != list(CSV_COLUMNS):
        result.errors.append((1, "header"))
        return result
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if number > CSV_MAX_ROWS + 1:
            result.errors.append((number, "too_many"))
            break
        row = (row + [""] * len(CSV_COLUMNS))[:len(CSV_COLUMNS)]
        day_text, school, course_text, name, allergens_text, labels_text = (c.strip() for c in row)
        day = _date(day_text)
        if day is None or not first_day <= day <= last_day:
            result.errors.append((number, "date"))
            continue
        if not school:
            result.errors.append((number, "school"))
            continue
        if not name or len(name) > 150:
            result.errors.append((number, "name"))
            continue
        course = next((code for code, ws in COURSE_WORDS.items() if plain(course_text).strip() in ws
                       or plain(COURSES[code]).strip() == plain(course_text).strip()), None)
        if course is None:
            result.errors.append((number, "course"))
            continue
        allergens, unknown = _codes(allergens_text, SYNONYMS, ALLERGENS)
        if unknown and plain(allergens_text).strip() not in ("aucun", "neant", "-"):
            result.errors.append((number, "allergen:" + ", ".join(unknown)))
            continue
        labels, unknown_labels = _codes(labels_text, LABEL_WORDS, LABELS)
        if unknown_labels:
            result.errors.append((number, "label:" + ", ".join(unknown_labels)))
            continue
        result.dishes.append(ImportedDish(number, day, school, course, name, allergens, labels))
    return result
