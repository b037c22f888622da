"""URL converters: a month in a URL ("2026-11") arrives in the view as the date of its first day; anything else,
or a year outside what the rules handle, is a 404 before the view runs."""

from __future__ import annotations

import datetime as dt

from werkzeug.routing import BaseConverter, ValidationError

from blueprints.edge import FIRST_DAY, LAST_DAY


class MonthConverter(BaseConverter):
    """`<month:ym>`: "2026-11" <-> datetime.date(2026, 11, 1)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        year, month = int(value[:4]), int(value[5:])
        if not (FIRST_DAY.year <= year <= LAST_DAY.year and 1 <= month <= 12):
            raise ValidationError()
        return dt.date(year, month, 1)

    def to_url(self, value) -> str:
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else str(value)


CONVERTERS = {"month": MonthConverter}
