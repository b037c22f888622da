"""The one place views read the time. Tests (and demos) may pin it with app.config["CLOCK"] = callable."""

import datetime as dt

from flask import current_app

from models import utcnow


def now() -> dt.datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()
