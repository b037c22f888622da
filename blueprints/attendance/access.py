"""Which sites (schools) an agent may take attendance for and see lists of: the one check, used by every route of
the pointage and of the kitchen counts.

A site agent sees the schools of their sites (blueprints/roles.py `sites_for`), every other agent every site, and
anybody else none.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from blueprints import roles
from models import School, User, db


def sites_for(user: User) -> list[School]:
    """The schools `user` may see the lists of, by name (none for a parent or a signed-out visitor)."""
    if not getattr(user, "is_authenticated", False) or not user.is_agent:
        return []
    allowed = roles.sites_for(user)
    query = select(School).order_by(School.name)
    if allowed is not None:
        query = query.where(School.id.in_(allowed))
    return list(db.session.execute(query).scalars())


def get_site_or_404(user: User, school_id: int) -> School:
    """A school `user` may see, or 404 (an unknown one, or one of another site: no hint that it exists)."""
    site = next((s for s in sites_for(user) if s.id == school_id), None)
    if site is None:
        abort(404)
    return site
