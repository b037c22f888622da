"""Blueprints registered by app.create_app(), one per domain (see ARCHITECTURE.md)."""

from blueprints.auth.views import bp as auth
from blueprints.backoffice.views import bp as backoffice
from blueprints.family.views import bp as family
from blueprints.public.views import bp as public
from blueprints.reservations.views import bp as reservations

ALL = (public, auth, family, reservations, backoffice)
