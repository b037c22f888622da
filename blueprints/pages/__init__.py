"""Pages of the public site agents edit (services and activities, schools, règlement intérieur, tariffs, leisure
centre programmes, the contact page's text) and their downloadable files. The editor is in the back office
(blueprints/backoffice/pages.py)."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from blueprints.pages import views  # noqa: E402,F401  (registers the routes on bp)
