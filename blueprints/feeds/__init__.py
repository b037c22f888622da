"""Private iCalendar feeds: the subscription page (parents) and the feed itself (secret link, no login)."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from blueprints.feeds import views  # noqa: E402,F401  (registers the routes on bp)
