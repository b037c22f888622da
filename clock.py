"""The one place the application reads the time. Tests (and demos) may pin it with app.config["CLOCK"] = callable.

`now()` is the instant (timezone-aware UTC); `today()` the commune's date (Europe/Paris), which decides what
"today", "this week" and "this month" mean on every page.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from schema.base import utcnow

PARIS = ZoneInfo("Europe/Paris")


def now() -> dt.datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()


def today() -> dt.date:
    """The current date in Europe/Paris."""
    return now().astimezone(PARIS).date()
