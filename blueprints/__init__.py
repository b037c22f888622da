"""Blueprints registered by app.create_app(), one per domain (see ARCHITECTURE.md)."""

from blueprints.auth.views import bp as auth
from blueprints.backoffice.views import bp as backoffice
from blueprints.family.documents import bp as documents
from blueprints.family.views import bp as family
from blueprints.public.views import bp as public
from blueprints.reservations.absences import bp as absences
from blueprints.reservations.feeds import bp as feeds
from blueprints.reservations.planning import bp as planning
from blueprints.reservations.views import bp as reservations

ALL = (public, auth, family, documents, reservations, absences, planning, feeds, backoffice)
