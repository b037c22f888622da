"""News (actualités): the public list, page and Atom feed; "Mes actualités" of the family space. The agents'
editor is in the back office (blueprints/backoffice/news.py)."""

from flask import Blueprint

bp = Blueprint("news", __name__)

from blueprints.news import views  # noqa: E402,F401  (registers the routes on bp)
