"""Reading the families' CSV file (the documented template, `;` separated, UTF-8 or Windows-1252): decoding,
columns, one checked `Line` per person, and the problems of each line. Pure: standard library only; what the
database knows (schools, activities) is passed in.

One line per person: the family's dossier number ties the lines of a family together. Role "responsable" (a
guardian: the family's address is read from the first one), "enfant" (birth date required; school, class,
activities), "contact" (a person authorised to pick the child up or to be called).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

# The template's columns, in order (header names as written in the file; accents and case do not matter).
COLUMNS = ("dossier", "role", "civilite", "nom", "prenom", "date_naissance", "email", "telephone", "adresse",
           "code_postal", "ville", "ecole", "classe", "lien", "peut_recuperer", "urgence", "activites")
REQUIRED_COLUMNS = ("dossier", "role", "nom", "prenom")
ROLES = {"responsable": "guardian", "representant": "guardian", "enfant": "child", "contact": "contact"}
CIVILITIES = {"mme": "Mme", "madame": "Mme", "m": "M.", "m.": "M.", "monsieur": "M.", "": ""}
YES = {"oui", "o", "yes", "1", "x", "vrai"}
NO = {"non", "n", "no", "0", "", "faux"}
MAX_BYTES = 10 * 1024 * 1024
LIMITS = {"dossier": 20, "nom": 100, "prenom": 100, "email": 254, "telephone": 30, "adresse": 200,
          "code_postal": 10, "ville": 120, "classe": 40, "lien": 60}
EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+$")
# Problems reported without stopping the import: a column the template does not have (ignored), an e-mail that
# cannot be right (kept as the old software had it; the invitations skip it and list it).
WARNINGS = frozenset({"unknown_column", "email"})
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class DecodeError(ValueError):
    """The file is not text in UTF-8 nor in Windows-1252 (code: "encoding"), or is empty ("empty")."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (with or without BOM) first, else Windows-1252 (what old software exports)."""
    if not raw.strip():
        raise DecodeError("empty")
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise DecodeError("encoding") from None


def plain(text: str) -> str:
    """Lower-case ASCII of a header or a keyword: "Date de naissance" -> "date_de_naissance"."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", text)


def person_key(first: str, last: str) -> tuple[str, str]:
    """How two spellings of a name are found to be one person (case, accents, spaces)."""
    return plain(first), plain(last)


@dataclass(frozen=True)
class Problem:
    """A problem of line `line` (1 = the header), about `column` ("" for the whole line), as a code."""

    line: int
    column: str
    code: str
    value: str = ""


@dataclass(frozen=True)
class Line:
    number: int
    dossier: str
    role: str  # guardian | child | contact
    civility: str
    last_name: str
    first_name: str
    birth_date: dt.date | None
    email: str
    phone: str
    address: str
    postcode: str
    city: str
    school: str
    class_name: str
    relationship: str
    can_pick_up: bool
    emergency: bool
    activities: tuple[str, ...]

    @cached_property
    def key(self) -> tuple:
        return (self.dossier, self.role, *person_key(self.first_name, self.last_name),
                self.birth_date if self.role == "child" else None)


def _date(value: str) -> dt.date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def blocking(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that stop the import (all but WARNINGS)."""
    return [p for p in problems if p.code not in WARNINGS]


def parse(text: str, *, schools: Iterable[str], activities: Iterable[str], today: dt.date
          ) -> tuple[list[Line], list[Problem]]:
    """Every line of the file checked: (lines without problem, problems of all lines). A file with any problem is
    not imported at all (the report lists them line by line)."""
    school_names = {plain(s): s for s in schools}
    activity_codes = {plain(a): a for a in activities}
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        return [], [Problem(1, "", "empty")]
    header = [plain(h) for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [Problem(1, c, "missing_column") for c in missing]
    unknown = [h for h in header if h and h not in COLUMNS]
    problems = [Problem(1, h, "unknown_column") for h in unknown]
    index = {name: header.index(name) for name in COLUMNS if name in header}
    lines, seen = [], {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.append(Problem(number, "", "too_many_cells"))
            continue
        line, found = _line(number, cells, index, school_names, activity_codes, today)
        problems += found
        if line is None:
            continue
        if line.key in seen:
            problems.append(Problem(number, "", "duplicate", str(seen[line.key])))
            continue
        seen[line.key] = number
        lines.append(line)
    problems += _families(lines)
    bad = {p.line for p in problems if p.code not in WARNINGS}
    return [line for line in lines if line.number not in bad], problems


def _line(number, cells, index, school_names, activity_codes, today) -> tuple[Line | None, list[Problem]]:
    def cell(name: str) -> str:
        i = index.get(name)
        return " ".join(cells[i].split()) if i is not None and i < len(cells) else ""

    problems = []
    values = {name: cell(name) for name in COLUMNS}
    for name, value in values.items():
        if CONTROL.search(value):
            problems.append(Problem(number, name, "control"))
        elif name in LIMITS and len(value) > LIMITS[name]:
            problems.append(Problem(number, name, "too_long", str(LIMITS[name])))
    for name in REQUIRED_COLUMNS:
        if not values[name]:
            problems.append(Problem(number, name, "required"))
    role = ROLES.get(plain(values["role"])) if values["role"] else None
    if values["role"] and role is None:
        problems.append(Problem(number, "role", "role", values["role"]))
    civility = CIVILITIES.get(plain(values["civilite"]).replace("_", ""))
    if civility is None:
        problems.append(Problem(number, "civilite", "civility", values["civilite"]))
    birth = None
    if values["date_naissance"]:
        try:
            birth = _date(values["date_naissance"])
        except ValueError:
            problems.append(Problem(number, "date_naissance", "date", values["date_naissance"]))
        else:
            if not (dt.date(1900, 1, 1) <= birth <= today):
                problems.append(Problem(number, "date_naissance", "date_range", values["date_naissance"]))
                birth = None
    elif role == "child":
        problems.append(Problem(number, "date_naissance", "required"))
    email = values["email"].lower()
    if email and not EMAIL.match(email):
        problems.append(Problem(number, "email", "email", values["email"]))
    school = ""
    if values["ecole"]:
        school = school_names.get(plain(values["ecole"]), "")
        if not school:
            problems.append(Problem(number, "ecole", "school", values["ecole"]))
    codes = []
    for code in (c.strip() for c in values["activites"].replace(",", " ").split()):
        if plain(code) not in activity_codes:
            problems.append(Problem(number, "activites", "activity", code))
        else:
            codes.append(activity_codes[plain(code)])
    flags = {}
    for name in ("peut_recuperer", "urgence"):
        word = plain(values[name])
        if word not in YES | NO:
            problems.append(Problem(number, name, "yes_no", values[name]))
        flags[name] = word in YES
    if role != "child" and (codes or school):
        problems.append(Problem(number, "activites" if codes else "ecole", "child_only"))
    if any(p.code not in WARNINGS for p in problems):
        return None, problems
    return Line(number, values["dossier"], role, civility, values["nom"], values["prenom"], birth, email,
                values["telephone"], values["adresse"], values["code_postal"], values["ville"], school,
                values["classe"], values["lien"], flags["peut_recuperer"], flags["urgence"], tuple(codes)), problems


def _families(lines: list[Line]) -> list[Problem]:
    """A family needs a guardian in the file (a family of children alone is refused, line by line)."""
    guarded = {line.dossier for line in lines if line.role == "guardian"}
    return [Problem(line.number, "dossier", "no_guardian", line.dossier) for line in lines
            if line.dossier not in guarded]
