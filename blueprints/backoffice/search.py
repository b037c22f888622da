"""Family search for agents: insensitive to case, accents and apostrophe variants, on SQLite and PostgreSQL alike.

Agents type "lefevre" for "Lefèvre", "n’diaye" (typographic apostrophe) for "N'Diaye", "camille lefevre" across two
columns. Neither engine folds accents the same way out of the box (SQLite's lower() is ASCII-only, PostgreSQL's
unaccent is an extension), so the folding is defined once here, as a table, and used three ways:
`fold()` on the query in Python, a `portail_fold()` SQL function registered on SQLite connections (the same Python
code), and `lower(translate(...))` on PostgreSQL. This module is the one clearly marked engine-specific helper.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import ColumnElement, String, event, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models import Family, Person, User

MAX_QUERY = 100
MAX_TERMS = 5

# Accented letters met in names in France (French, and common Spanish, Portuguese, German, Nordic spellings).
_SINGLE = {
    "a": "àáâãäåÀÁÂÃÄÅ", "c": "çÇ", "e": "èéêëÈÉÊË", "i": "ìíîïÌÍÎÏ", "n": "ñÑ",
    "o": "òóôõöøÒÓÔÕÖØ", "u": "ùúûüÙÚÛÜ", "y": "ýÿÝŸ", "'": "’‘ʼ`´",
}
_DOUBLE = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}
_FROM = "".join(_SINGLE.values())
_TO = "".join(plain * len(chars) for plain, chars in _SINGLE.items())
_TABLE = str.maketrans({**dict(zip(_FROM, _TO)), **_DOUBLE})


def fold(text: str | None) -> str:
    """The comparable form of a name: accents and apostrophe variants folded, lower case."""
    return (text or "").translate(_TABLE).lower()


class folded(FunctionElement):
    """fold(column) in SQL."""

    type = String()
    name = "portail_fold"
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element, compiler, **kw):
    return f"portail_fold({compiler.process(element.clauses, **kw)})"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    expr = f"coalesce({compiler.process(element.clauses, **kw)}, '')"
    for char, plain in _DOUBLE.items():
        expr = f"replace({expr}, {_sql_literal(char)}, {_sql_literal(plain)})"
    return f"lower(translate({expr}, {_sql_literal(_FROM)}, {_sql_literal(_TO)}))"


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("portail_fold", 1, fold, deterministic=True)


_LIKE_ESCAPE = "/"


def _contains(column, term: str) -> ColumnElement:
    escaped = "".join(_LIKE_ESCAPE + c if c in ("%", "_", _LIKE_ESCAPE) else c for c in term)
    return folded(column).like(f"%{escaped}%", escape=_LIKE_ESCAPE)


def terms_of(q: str) -> list[str]:
    """The words of a query, folded; a few at most (a search box, not a full-text engine)."""
    return fold(q.strip()[:MAX_QUERY]).split()[:MAX_TERMS]


def family_search(q: str):
    """Families where every word of `q` is in the family name, the dossier number, a member's name or e-mail,
    or the e-mail of one of the family's logins; ordered by name."""
    stmt = select(Family).order_by(Family.name, Family.dossier_number)
    for term in terms_of(q):
        members = select(Person.family_id).where(
            or_(_contains(Person.last_name, term), _contains(Person.first_name, term), _contains(Person.email, term))
        )
        logins = select(User.family_id).where(User.family_id.is_not(None), _contains(User.email, term))
        stmt = stmt.where(
            or_(_contains(Family.name, term), _contains(Family.dossier_number, term),
                Family.id.in_(members), Family.id.in_(logins))
        )
    return stmt

