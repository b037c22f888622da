"""What the portal accepts from outside, checked once for every route (issue #12: hostile input never gives a 500).

- Ids: every table key is a 32-bit integer (PostgreSQL `integer`). The `int` URL converter accepts 1..MAX_ID only,
  so /enfants/2147483648 is a 404 like any id that does not exist; an id read from a form goes through parse_id().
- Dates: the portal handles years FIRST_DAY..LAST_DAY (2000-2100); a date outside is refused where it is read (a
  French form error, a 404 for a URL), so the rules never compute a day before year 1 or after year 9999.
- Text: a NUL byte or bytes that are not UTF-8, in the path, the query string or a form, are refused here with a
  400 page in French: PostgreSQL cannot store a NUL, and no browser sends one from a real form.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` for table keys: 1..MAX_ID, else the URL does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value) -> int | None:
    """A table key typed in a form ("12"), or None when it is not one (empty, a word, 0, above MAX_ID)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def supported_day(day: dt.date | None) -> bool:
    """True for a date the portal handles (FIRST_DAY..LAST_DAY)."""
    return day is not None and FIRST_DAY <= day <= LAST_DAY


class InvalidCharacters(BadRequest):
    """A NUL byte or invalid UTF-8 in the request: the 400 page says which and what to do."""


def _bad_encoded(raw: bytes) -> bool:
    """True when percent-encoded `raw` (a query string, a urlencoded body) holds a NUL or bytes that are not UTF-8."""
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return "\x00" in text


def _bad_text(value: str) -> bool:
    # Werkzeug decodes the path and multipart fields with errors="replace": U+FFFD marks bytes that were not UTF-8.
    return "\x00" in value or "\ufffd" in value


def refuse_invalid_characters() -> None:
    """before_request, first of all: refuse NUL bytes and invalid UTF-8 in the path, query string and form."""
    if _bad_text(request.path) or _bad_encoded(request.query_string):
        raise InvalidCharacters()
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype not in FORM_TYPES:
        return
    if request.mimetype == FORM_TYPES[0]:
        bad = _bad_encoded(request.get_data(cache=True))  # the form is parsed from the cached body afterwards
    else:
        values = [v for _k, v in request.form.items(multi=True)] + [k for k in request.form]
        values += [f.filename or "" for _k, f in request.files.items(multi=True)]
        bad = any(_bad_text(v) for v in values)
    if bad:
        raise InvalidCharacters()


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter (before any blueprint adds its rules) and the character check (before
    every other before_request function, CSRF included)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_invalid_characters)
