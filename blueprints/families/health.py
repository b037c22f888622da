"""Children's health files and authorisations against the database (the one writer of ChildHealth and
Authorisation, each change with a line in the family's journal that never says the health data itself), the diets
the commune offers, and the log of agents' reads of health data (HealthAccess).

Health data is need-to-know: parents always see their own children's; an agent only with User.can_see_health, and
every such read is recorded here by the route that shows it. Functions flush; the route commits once.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select

from blueprints.families import rules, service
from models import AUTHORISATION_KINDS, Authorisation, ChildHealth, Diet, HealthAccess, Person, User, db

DEFAULT_DIETS = ("Sans porc", "Sans viande", "Végétarien", "Panier repas (PAI)")


def health_of(child: Person) -> ChildHealth | None:
    return db.session.execute(select(ChildHealth).where(ChildHealth.child_id == child.id)).scalar_one_or_none()


def update_health(child: Person, fields: dict, now: dt.datetime, *, actor_id: int | None) -> list[str]:
    """Write some of the child's health columns (the file is created on first use); returns the names that changed.
    The journal says that the health file changed, never what it holds."""
    health = health_of(child)
    if health is None:
        health = ChildHealth(child_id=child.id)
        db.session.add(health)
    changed = [name for name, value in fields.items() if getattr(health, name) != value]
    for name in changed:
        setattr(health, name, fields[name])
    if changed:
        health.updated_at = now
        service.record(child.family_id, "health_updated",
                       _("Fiche santé de %(name)s mise à jour.", name=child.full_name), now, actor_id)
    db.session.flush()
    return changed


def authorisations_of(child: Person) -> dict[str, Authorisation]:
    rows = db.session.execute(select(Authorisation).where(Authorisation.child_id == child.id)).scalars()
    return {row.kind: row for row in rows}


def authorisations_for(child_ids) -> dict[int, dict[str, Authorisation]]:
    """The authorisations of several children in one query: {child id: {kind: row}}."""
    found: dict[int, dict[str, Authorisation]] = {child_id: {} for child_id in child_ids}
    if found:
        for row in db.session.execute(select(Authorisation).where(Authorisation.child_id.in_(list(found)))).scalars():
            found[row.child_id][row.kind] = row
    return found


def health_for(child_ids) -> dict[int, ChildHealth]:
    """The health files of several children in one query: {child id: file} (children without one are absent)."""
    ids = list(child_ids)
    if not ids:
        return {}
    return {row.child_id: row for row in db.session.execute(
        select(ChildHealth).where(ChildHealth.child_id.in_(ids))).scalars()}


def set_authorisations(child: Person, answers: dict[str, bool], given_on: dt.date, now: dt.datetime, *,
                       actor_id: int | None) -> list[str]:
    """Record the authorisations given (or withdrawn) on `given_on`; returns the kinds that changed."""
    current = authorisations_of(child)
    changed = []
    for kind, granted in answers.items():
        if kind not in AUTHORISATION_KINDS or granted is None:
            continue
        row = current.get(kind)
        if row is None:
            db.session.add(Authorisation(child_id=child.id, kind=kind, granted=granted, given_on=given_on))
            changed.append(kind)
        elif row.granted != granted:
            row.granted, row.given_on = granted, given_on
            changed.append(kind)
    if changed:
        service.record(child.family_id, "authorisations",
                       _("Autorisations de %(name)s mises à jour.", name=child.full_name), now, actor_id)
    db.session.flush()
    return changed


# --------------------------------------------------------------------------- diets


def diet_labels() -> list[str]:
    """The diets families may choose: the commune's active ones, in order (the defaults while it has none)."""
    rows = db.session.execute(select(Diet.label).where(Diet.active.is_(True)).order_by(Diet.position, Diet.id))
    return list(rows.scalars()) or list(DEFAULT_DIETS)


def add_diet(label: str) -> str | None:
    """Offer a new diet; returns the refusal code (rules.diet_label_problem, or "exists")."""
    problem = rules.diet_label_problem(label)
    if problem:
        return problem
    if not db.session.execute(select(Diet.id).limit(1)).first():  # first own diet: the defaults become data
        for position, default in enumerate(DEFAULT_DIETS):
            db.session.add(Diet(label=default, position=position))
        db.session.flush()
    if db.session.execute(select(Diet.id).where(func.lower(Diet.label) == label.strip().lower())).first():
        return "exists"
    last = db.session.scalar(select(func.max(Diet.position))) or 0
    db.session.add(Diet(label=label.strip(), position=last + 1))
    db.session.flush()
    return None


# --------------------------------------------------------------------------- agents' reads


def may_see_health(user: User) -> bool:
    """Whether `user` may read children's health data: the family's own parents, agents with the right."""
    return bool(user.is_agent and user.can_see_health)


def may_see_child_health(user: User, child: Person) -> bool:
    """Whether `user` may read `child`'s health data: a parent of the child's family always, an agent only with the
    right (may_see_health; the route then logs the read with log_access)."""
    if user.is_agent:
        return may_see_health(user)
    return user.family_id is not None and user.family_id == child.family_id


def log_access(agent: User, child: Person, place: str, now: dt.datetime) -> None:
    """One read of `child`'s health data by `agent` (flush, no commit)."""
    db.session.add(HealthAccess(agent_id=agent.id, child_id=child.id, child_name=child.full_name,
                                family_id=child.family_id, place=place[:60], at=now))
    db.session.flush()


def grant(user: User, allowed: bool) -> None:
    """Give (or take back) an agent's right to health data."""
    if not user.is_agent:
        raise ValueError("only agents read health data")
    user.can_see_health = allowed
    db.session.flush()
