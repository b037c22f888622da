"""Blueprints registered by app.create_app(), one per domain (see ARCHITECTURE.md).

Imported under *_bp names: binding `reservations` here would hide the `blueprints.reservations` package.
"""

from blueprints.auth.views import bp as auth_bp
from blueprints.backoffice.views import bp as backoffice_bp
from blueprints.family.documents import bp as documents_bp
from blueprints.family.views import bp as family_bp
from blueprints.public.views import bp as public_bp
from blueprints.reservations.absences import bp as absences_bp
from blueprints.reservations.feeds import bp as feeds_bp
from blueprints.reservations.planning import bp as planning_bp
from blueprints.reservations.views import bp as reservations_bp

ALL = (public_bp, auth_bp, family_bp, documents_bp, reservations_bp, absences_bp, planning_bp, feeds_bp, backoffice_bp)
