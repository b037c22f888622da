"""Ma famille: guardians, children, contacts, each child's health and authorisations, allocataire and quotient
familial, the last inscription administrative; "Modifier" starts the démarche that changes a part."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from blueprints.access import current_family
from blueprints.dossier import bp
from blueprints.families import health
from blueprints.htmx import render
from blueprints.procedures import service as procedures
from models import Family, Person


@bp.route("/ma-famille")
def index():
    """The family file, part by part (parents always see their own children's health data)."""
    family = current_family(selectinload(Family.members).joinedload(Person.school))
    types = {t.kind: t for t in procedures.active_types()}
    return render("dossier/family.html", family=family, types=types,
                  health=health.health_for(c.id for c in family.children),
                  authorisations=health.authorisations_for(c.id for c in family.children),
                  annual=types.get("inscription_administrative"))
