"""Two-factor authentication of agents: the login's second step (a code from their app, or a recovery code) and
setting it up (QR code, secret as text, recovery codes). Rules and writes: blueprints/admin/twofactor.py."""

from flask import Blueprint

bp = Blueprint("twofactor", __name__)

from blueprints.twofactor import views  # noqa: E402,F401  (registers the routes on bp)
