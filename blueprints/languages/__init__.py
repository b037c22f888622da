"""Languages: French (the source language, the default) and English.

The language of a request comes from the "langue" cookie the switch on every page sets, else from the browser's
Accept-Language, else French (rules.choose). formats.py gives Babel the locale and formats dates, times and money in
it; views.py is the switch itself (a plain link, no JavaScript, no account needed).
"""

from flask import Blueprint

bp = Blueprint("languages", __name__)

from blueprints.languages import views  # noqa: E402,F401  (registers the routes on bp)
