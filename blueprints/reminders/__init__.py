"""Rappels (reminders by e-mail): the family's choices (views.py), what to remind and when (rules.py, pure), the
sending (service.py) and `flask reminders send` (cli.py)."""

from flask import Blueprint

bp = Blueprint("reminders", __name__, cli_group="reminders")

from blueprints.reminders import cli, views  # noqa: E402,F401  (registers the routes and the command on bp)
