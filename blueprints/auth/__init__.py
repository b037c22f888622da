"""Accounts: login, logout, activation (invitation link), forgotten password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import views  # noqa: E402,F401  (registers the routes on bp)
