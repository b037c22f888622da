"""Menus de la restauration scolaire: the public week of each school. The agents' editor and CSV import are in
the back office (blueprints/backoffice/menus.py); the agenda's allergen warning uses rules.menu_warning."""

from flask import Blueprint

bp = Blueprint("menus", __name__)

from blueprints.menus import views  # noqa: E402,F401  (registers the routes on bp)
